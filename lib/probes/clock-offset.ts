// How far a node's wall clock is from ours, so timestamps a node prints can be
// placed on the harness's timeline. NTP-style: ask for the time, assume the
// answer was read half-way through the round trip; keep the fastest of a few
// tries (its error is at most half its round trip).
import type { RemoteExecutor } from '../remote/types.ts';
import { nowMs } from './clock.ts';

export interface ClockOffset {
  /** Remote minus local, ms. */
  offsetMs: number;
  /** Half the round trip of the sample used: the offset's error bound, ms. */
  uncertaintyMs: number;
}

export async function measureClockOffset(remote: RemoteExecutor, node: string, tries = 3): Promise<ClockOffset> {
  let best: ClockOffset | undefined;
  for (let i = 0; i < tries; i++) {
    const before = nowMs();
    const r = await remote.exec(node, 'date +%s%3N', { timeoutMs: 10_000 });
    const after = nowMs();
    const remoteMs = Number(r.stdout.trim());
    if (!Number.isFinite(remoteMs) || remoteMs < 1e12) throw new Error(`node ${node}: "date +%s%3N" printed "${r.stdout.trim().slice(0, 40)}", not epoch milliseconds (GNU date needed)`);
    const sample = { offsetMs: remoteMs - (before + after) / 2, uncertaintyMs: (after - before) / 2 };
    if (!best || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
  }
  return best!;
}
