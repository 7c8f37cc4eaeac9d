import assert from 'node:assert/strict';
import { failedRequests, keepalivedBound, lostWrites, outageWindows, vipMoves, type HolderSample } from '../../lib/checks/history.ts';
import type { HistoryEntry } from '../../lib/probes/history.ts';

/** A history from a pattern: one attempt every `step` ms from t=1000, '.' ok, 'x' failed. */
function history(pattern: string, step = 100, latencyMs = 5): HistoryEntry[] {
  return [...pattern].map((c, i) => ({ t: 1000 + i * step, op: 'amqp', ok: c === '.', latencyMs, ...(c === 'x' ? { detail: i % 2 ? 'connect-ECONNREFUSED' : 'reply-timeout' } : {}) }));
}

/** Holder samples every 200 ms from t=0, one string per sample: "ha1", "ha1+ha2", "" (none), "?" (unknown). */
function holders(...states: string[]): HolderSample[] {
  return states.map((s, i) => ({ t: i * 200, holders: s === '?' || s === '' ? [] : s.split('+'), unknown: s === '?' ? ['ha2'] : [] }));
}

describe('history checkers', () => {
  describe('outageWindows', () => {
    it('finds maximal runs of failures, from the first failure to the first success after', () => {
      const r = outageWindows(history('..xxx...x..'));
      assert.deepEqual(
        r.windows.map((w) => [w.start, w.end, w.durationMs, w.count, w.open]),
        [
          [1200, 1500, 300, 3, false],
          [1800, 1900, 100, 1, false],
        ],
      );
      assert.deepEqual(r.windows[0]!.details, ['reply-timeout', 'connect-ECONNREFUSED']);
      assert.equal(r.failed, 4);
      assert.equal(r.longestMs, 300);
      assert.deepEqual(r.findings.map((f) => [f.check, f.ok]), [['probe.recovered', true]]);
    });

    it('judges against a bound, and fails a probe that never recovered or recorded nothing', () => {
      assert.deepEqual(outageWindows(history('..xxx..'), { maxOutageMs: 250 }).findings.map((f) => [f.check, f.ok]), [['probe.recovered', true], ['probe.outage-bound', false]]);
      const open = outageWindows(history('..xxx'));
      assert.deepEqual(open.windows.map((w) => [w.start, w.end, w.open]), [[1200, 1405, true]]);
      assert.equal(open.findings[0]!.ok, false);
      assert.match(open.findings[0]!.message, /still failing/);
      assert.deepEqual(outageWindows([]).findings.map((f) => [f.check, f.ok]), [['probe.samples', false]]);
    });

    it('does not depend on the order entries arrive in', () => {
      const h = history('.xx.');
      assert.deepEqual(outageWindows([...h].reverse()).windows, outageWindows(h).windows);
    });
  });

  describe('vipMoves', () => {
    it('measures a clean move: injection to the first sample with a new single holder', () => {
      const r = vipMoves(holders('ha1', 'ha1', 'ha1', '', '', '', 'ha2', 'ha2'), { injectedAt: 450, maxMoveMs: 1000 });
      assert.equal(r.initialHolder, 'ha1');
      assert.equal(r.newHolder, 'ha2');
      assert.equal(r.moveMs, 1200 - 450);
      assert.deepEqual(r.noHolder.map((i) => [i.start, i.end, i.durationMs]), [[600, 1200, 600]]);
      assert.deepEqual(r.splitBrain, []);
      assert.ok(r.findings.every((f) => f.ok), JSON.stringify(r.findings));
    });

    it('reports split brain (the SIGKILL case) with who held it and for how long, open at the end', () => {
      const r = vipMoves(holders('ha1', 'ha1', 'ha1', 'ha1+ha2', 'ha1+ha2', 'ha1+ha2'), { injectedAt: 100 });
      assert.deepEqual(r.splitBrain.map((i) => [i.start, i.end, i.open, i.holders]), [[600, 1000, true, ['ha1', 'ha2']]]);
      // The takeover is the move, even beside the crashed master's stale copy.
      assert.equal(r.moveMs, 500);
      assert.equal(r.newHolder, 'ha2');
      const byCheck = Object.fromEntries(r.findings.map((f) => [f.check, f]));
      assert.equal(byCheck['vip.split-brain']!.ok, false);
      assert.match(byCheck['vip.split-brain']!.message, /ha1\+ha2 for 400 ms \(still at the end\)/);
      assert.equal(byCheck['vip.moved']!.ok, true);
    });

    it('reports a crashed master\'s stale VIP that ends by the heal, and fails one that outlives it', () => {
      // ha1 crashes at 100; ha2 takes over at 600 beside ha1's stale copy; heal at 1000
      // starts ha1's keepalived, which removes it (sample at 1200), then preempts back.
      const s = holders('ha1', 'ha1', 'ha1', 'ha1+ha2', 'ha1+ha2', 'ha1+ha2', 'ha2', 'ha2', 'ha1');
      const healed = vipMoves(s, { injectedAt: 100, staleUntil: 1000, allowSplitBrainMs: 500 });
      const split = healed.findings.find((f) => f.check === 'vip.split-brain')!;
      assert.equal(split.ok, true, split.message);
      assert.match(split.message, /stale VIP kept by the crashed ha1 until its keepalived started again: ha1\+ha2 for 600 ms/);
      assert.equal(healed.staleMs, 600);
      const notHealed = vipMoves(s, { injectedAt: 100, staleUntil: 400, allowSplitBrainMs: 500 });
      assert.equal(notHealed.findings.find((f) => f.check === 'vip.split-brain')!.ok, false);
      assert.equal(notHealed.staleMs, 0);
    });

    it('tolerates split brain up to allowSplitBrainMs, and judges a slow move and a long gap', () => {
      const s = holders('ha1', 'ha1+ha2', 'ha2', 'ha2');
      assert.equal(vipMoves(s, { injectedAt: 0, allowSplitBrainMs: 500 }).findings.find((f) => f.check === 'vip.split-brain')!.ok, true);
      // Failover and failback overlaps are judged one by one, not summed.
      const twoHandovers = vipMoves(holders('ha1', 'ha1+ha2', 'ha1+ha2', 'ha2', 'ha2', 'ha1+ha2', 'ha1+ha2', 'ha1'), { injectedAt: 0, allowSplitBrainMs: 450 });
      assert.equal(twoHandovers.findings.find((f) => f.check === 'vip.split-brain')!.ok, true);
      assert.equal(vipMoves(holders('ha1', 'ha1+ha2', 'ha1+ha2', 'ha1+ha2', 'ha2'), { injectedAt: 0, allowSplitBrainMs: 450 }).findings.find((f) => f.check === 'vip.split-brain')!.ok, false);
      const slow = vipMoves(holders('ha1', '', '', '', '', '', 'ha2'), { injectedAt: 100, maxMoveMs: 800 });
      assert.deepEqual(slow.findings.filter((f) => !f.ok).map((f) => f.check), ['vip.moved', 'vip.no-holder']);
    });

    it('ignores samples with an unanswered holder instead of counting them as "no holder"', () => {
      const r = vipMoves(holders('ha1', '?', '?', 'ha2'), { injectedAt: 100 });
      assert.deepEqual(r.noHolder, []);
      assert.equal(r.moveMs, 600 - 100);
    });

    it('uses the given former holder, e.g. the one the fault acted on', () => {
      assert.equal(vipMoves(holders('ha2', 'ha1'), { injectedAt: 0, from: 'ha2' }).newHolder, 'ha1');
    });
  });

  describe('lostWrites', () => {
    it('passes when every acknowledged key is read back; unacknowledged extras are legal', () => {
      const r = lostWrites([1, 2, 3, 5], [1, 2, 3, 4, 5]);
      assert.deepEqual([r.missing, r.unacknowledgedPresent, r.findings[0]!.ok], [[], [4], true]);
    });

    it('lists missing acknowledged keys', () => {
      const r = lostWrites([1, 2, 3, 4, 5, 6], [1, 2, 5]);
      assert.deepEqual(r.missing, [3, 4, 6]);
      assert.equal(r.findings[0]!.ok, false);
      assert.match(r.findings[0]!.message, /3 of 6 acknowledged writes are missing: keys 3, 4, 6/);
    });

    it('refuses to call zero acknowledged writes a success', () => {
      assert.equal(lostWrites([], [1]).findings[0]!.ok, false);
    });
  });

  it('failedRequests counts failures by detail and judges against a limit', () => {
    const h: HistoryEntry[] = [
      { t: 1, op: 'GET', ok: true, latencyMs: 10, detail: 'HTTP 200' },
      { t: 2, op: 'GET', ok: false, latencyMs: 10, detail: 'HTTP 503' },
      { t: 3, op: 'GET', ok: false, latencyMs: 10, detail: 'HTTP 503' },
      { t: 4, op: 'GET', ok: false, latencyMs: 10, detail: 'no answer (ECONNREFUSED)' },
    ];
    const r = failedRequests(h, { maxFailed: 2 });
    assert.deepEqual([r.total, r.failed, r.byDetail], [4, 3, { 'HTTP 503': 2, 'no answer (ECONNREFUSED)': 1 }]);
    assert.equal(r.findings[0]!.ok, false);
    assert.equal(failedRequests(h).findings[0]!.ok, true);
    assert.equal(failedRequests([]).findings[0]!.ok, false);
  });

  it('keepalivedBound is 3 * advert_int + (256 - priority) / 256 s, in ms (lab: 3613 ms for priority 99)', () => {
    assert.equal(keepalivedBound(1, 99), 3613);
    assert.equal(keepalivedBound(2, 255), 6004);
    assert.throws(() => keepalivedBound(1, 0), RangeError);
    assert.throws(() => keepalivedBound(0, 100), RangeError);
  });
});
