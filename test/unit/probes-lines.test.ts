import assert from 'node:assert/strict';
import { parseProbeLines } from '../../lib/probes/probe-lines.ts';

describe('probe loop line parser', () => {
  it('places remote monotonic attempt times on our clock through the start line and the offset', () => {
    const out = ['S 1700000000000 5000.0', 'A 5000.0 1 3.2 connection-start', 'A 5100.4 0 250.7 connect-timeout', 'A 5400.0 0 0.4 connect-ECONNREFUSED', 'E 5500.0 stopped', ''].join('\n');
    // The node's clock is 40 ms ahead of ours.
    const r = parseProbeLines(out, 'amqp-handshake 198.18.10.5:5672', 40);
    assert.deepEqual(r.entries, [
      { t: 1699999999960, op: 'amqp-handshake 198.18.10.5:5672', ok: true, latencyMs: 3.2, detail: 'connection-start' },
      { t: 1700000000060, op: 'amqp-handshake 198.18.10.5:5672', ok: false, latencyMs: 250.7, detail: 'connect-timeout' },
      { t: 1700000000360, op: 'amqp-handshake 198.18.10.5:5672', ok: false, latencyMs: 0.4, detail: 'connect-ECONNREFUSED' },
    ]);
    assert.equal(r.started, true);
    assert.equal(r.ended, 'stopped');
    assert.equal(r.malformed, 0);
  });

  it('counts a torn last line and noise as malformed, and ignores attempts before the start line', () => {
    const r = parseProbeLines('A 1 1 1 early\nS 1000 0\nA 10 1 2 ok\nTraceback (most recent call last):\nA 20 1', 'op');
    assert.equal(r.entries.length, 1);
    assert.equal(r.malformed, 3);
    assert.equal(r.ended, undefined);
  });

  it('says when the loop never started (e.g. python3 missing)', () => {
    assert.deepEqual(parseProbeLines('', 'op'), { entries: [], started: false, malformed: 0 });
  });
});
