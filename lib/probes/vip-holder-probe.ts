// vipHolderProbe: every ~200 ms asks each candidate holder whether it has the
// VIP configured (one `ip` command per holder per tick, over the pooled SSH
// connections), recording the set of holders. The checker (vipMoves) turns the
// samples into move time, split-brain and no-holder intervals.
import { holdsAddress } from '../checks/vip.ts';
import type { VipDef } from '../env/schema.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { checkIfname } from '../faults/shell.ts';
import { nowMs } from './clock.ts';
import type { History, HistoryEntry, Probe } from './history.ts';
import { BoundedLoop } from './loop.ts';

export interface VipSample extends HistoryEntry {
  /** Candidates that had the address, sorted. */
  holders: string[];
  /** Candidates that did not answer in time (their state is unknown). */
  unknown: string[];
}

export interface VipHolderProbeOptions {
  intervalMs?: number;
  /** Per-holder command limit; a slower answer counts as unknown. */
  askTimeoutMs?: number;
  maxDurationMs: number;
}

export function vipHolderProbe(remote: RemoteExecutor, name: string, vip: Pick<VipDef, 'address' | 'holders' | 'keepalived'>, o: VipHolderProbeOptions): Probe<VipSample> {
  const samples: VipSample[] = [];
  // Only the VIP's interface: shorter output, and the address could legitimately exist elsewhere.
  const command = `ip -o -4 addr show dev ${checkIfname(vip.keepalived.interface)}`;
  const ask = async (node: string): Promise<boolean | undefined> => {
    try {
      const r = await remote.exec(node, command, { timeoutMs: o.askTimeoutMs ?? 2000 });
      return holdsAddress(r.stdout, vip.address);
    } catch {
      return undefined;
    }
  };
  const loop = new BoundedLoop({
    intervalMs: o.intervalMs ?? 200,
    maxDurationMs: o.maxDurationMs,
    attempt: async () => {
      const t = nowMs();
      const answers = await Promise.all(vip.holders.map(ask));
      const holders = vip.holders.filter((_, i) => answers[i] === true).sort();
      const unknown = vip.holders.filter((_, i) => answers[i] === undefined).sort();
      const ok = holders.length === 1 && unknown.length === 0;
      const detail = `${holders.join(',') || 'none'}${unknown.length ? ` (no answer: ${unknown.join(',')})` : ''}`;
      samples.push({ t, op: `vip-holders ${name}`, ok, latencyMs: Math.round(nowMs() - t), detail, holders, unknown });
    },
    onError: () => undefined, // ask() cannot throw; nothing else in the attempt can
  });
  return {
    name: `VIP ${name} holders`,
    start: () => loop.start(),
    stop: async (): Promise<History<VipSample>> => {
      await loop.stop();
      return [...samples];
    },
    history: () => [...samples],
  };
}
