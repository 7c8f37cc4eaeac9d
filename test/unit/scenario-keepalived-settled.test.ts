// When a keepalived scenario has come to rest: the healed master preempts its
// VIP back seconds after the recovery checks pass (seen in the lab: the guest
// Swift probe's last attempt caught that second move and the probe ended
// "still failing"), so the probes keep recording until one holder has kept it.
import assert from 'node:assert/strict';
import { stableHolder } from '../../scenarios/keepalived-master-failure.ts';
import type { VipSample } from '../../lib/probes/vip-holder-probe.ts';

const at = (t: number, holders: string[], unknown: string[] = []): VipSample => ({ t, op: 'holders', ok: true, latencyMs: 5, holders, unknown });

describe('keepalived scenario: settled after the heal', () => {
  const healedAt = 10_000;

  it('not before a sample after the heal, nor while the preempt back is still to come', () => {
    assert.equal(stableHolder([at(9_000, ['ha2'])], healedAt, 7_000).done, false);
    const beforePreempt = [at(9_000, ['ha2']), at(11_000, ['ha2']), at(14_000, ['ha2'])];
    assert.equal(stableHolder(beforePreempt, healedAt, 7_000).done, false, 'only 4 s since the heal');
  });

  it('a second move restarts the clock; one holder for the whole window settles it', () => {
    const moved = [at(9_000, ['ha2']), at(13_500, ['ha2']), at(13_700, ['ha1', 'ha2']), at(13_900, ['ha1']), at(18_000, ['ha1'])];
    const r = stableHolder(moved, healedAt, 7_000);
    assert.equal(r.done, false);
    assert.match(r.seen, /holder ha1 for 4100 ms/);
    assert.equal(stableHolder([...moved, at(21_000, ['ha1'])], healedAt, 7_000).done, true);
  });

  it('two holders or an unknown one never settle', () => {
    assert.equal(stableHolder([at(10_000, ['ha1', 'ha2']), at(30_000, ['ha1', 'ha2'])], healedAt, 7_000).done, false);
    assert.equal(stableHolder([at(10_000, ['ha1'], ['ha2']), at(30_000, ['ha1'], ['ha2'])], healedAt, 7_000).done, false);
  });
});
