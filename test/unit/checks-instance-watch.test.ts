import assert from 'node:assert/strict';
import { judgeInstanceWatch } from '../../lib/checks/instance-watch.ts';
import { troveTime, type InstanceSample } from '../../lib/probes/instance-watch-probe.ts';

const sample = (t: number, status: string, heartbeat?: string, ok = true): InstanceSample => ({
  t,
  op: 'GET database/instances/i1',
  ok,
  latencyMs: 5,
  instance: 'i1',
  ...(ok ? { status, operatingStatus: status === 'ACTIVE' ? 'HEALTHY' : 'ERROR' } : { detail: 'HTTP 503' }),
  ...(heartbeat ? { heartbeatAt: troveTime(heartbeat)! } : {}),
});

describe('instance watch', () => {
  it('reads Trove timestamps, which carry no zone, as UTC', () => {
    assert.equal(troveTime('2026-11-22T03:03:21'), Date.UTC(2026, 10, 22, 3, 3, 21));
    assert.equal(troveTime('2026-11-22T03:03:21Z'), Date.UTC(2026, 10, 22, 3, 3, 21));
    assert.equal(troveTime(null), undefined);
    assert.equal(troveTime('not a date'), undefined);
  });

  it('passes an instance that stayed ACTIVE, and measures the longest gap between heartbeats', () => {
    const r = judgeInstanceWatch([
      sample(0, 'ACTIVE', '2026-11-22T03:00:00'),
      sample(1000, 'ACTIVE', '2026-11-22T03:00:00'),
      sample(2000, 'ACTIVE', '2026-11-22T03:00:30', false),
      sample(3000, 'ACTIVE', '2026-11-22T03:00:45'),
      sample(4000, 'ACTIVE', '2026-11-22T03:01:15'),
    ]);
    assert.deepEqual(r.findings.map((f) => [f.check, f.ok]), [['instance.not-error', true]]);
    assert.equal(r.longestHeartbeatGapMs.i1, 45_000);
  });

  it('fails an instance seen in ERROR, naming the states', () => {
    const r = judgeInstanceWatch([sample(0, 'ACTIVE'), sample(1000, 'ERROR')]);
    assert.equal(r.findings[0]!.ok, false);
    assert.match(r.findings[0]!.message, /went ERROR \(states seen: ACTIVE\/HEALTHY, ERROR\/ERROR\)/);
  });

  it('fails when Trove never answered for an instance', () => {
    assert.equal(judgeInstanceWatch([sample(0, 'ACTIVE', undefined, false)]).findings[0]!.check, 'instance.watched');
  });
});
