// The one polling loop of lib/trove: fetch, judge (verdict.ts), stop at once on
// a failed verdict, give up after a bound, and remember the states it saw on
// the way (BUILD -> ACTIVE) for the report. Clock and sleep are injectable so
// the loop is unit-tested without waiting.
import type { Verdict } from './verdict.ts';

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PollResult<T> {
  value: T;
  elapsedMs: number;
  /** Distinct consecutive states seen, e.g. ['BUILD', 'ACTIVE/HEALTHY']. */
  states: string[];
}

export class TroveWaitError extends Error {
  constructor(
    readonly what: string,
    readonly kind: 'failed' | 'timeout',
    readonly reason: string,
    readonly states: string[],
    readonly elapsedMs: number,
    /** The last thing fetched, for the caller's attachments (fault, guest log). */
    readonly last: unknown,
  ) {
    super(
      kind === 'failed'
        ? `${what}: ${reason} after ${(elapsedMs / 1000).toFixed(1)} s (states: ${states.join(' -> ') || 'none'})`
        : `timed out after ${(elapsedMs / 1000).toFixed(1)} s waiting for ${what}; last seen: ${reason} (states: ${states.join(' -> ') || 'none'})`,
    );
    this.name = 'TroveWaitError';
  }
}

/**
 * Polls `fetch` until `judge` says done. A fetch that throws is a transient
 * failure (a trove-api restarting behind the VIP): it is remembered as the last
 * thing seen and the loop goes on until the bound.
 */
export async function poll<T>(
  what: string,
  fetch: () => Promise<T>,
  judge: (value: T, elapsedMs: number) => Verdict,
  describe: (value: T) => string,
  o: PollOptions,
): Promise<PollResult<T>> {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = now();
  const states: string[] = [];
  let lastSeen = 'nothing yet';
  let last: T | undefined;
  for (;;) {
    const elapsed = () => Math.round(now() - start);
    try {
      const value = await fetch();
      last = value;
      const state = describe(value);
      if (states[states.length - 1] !== state) states.push(state);
      lastSeen = state;
      const v = judge(value, elapsed());
      if (v.state === 'done') return { value, elapsedMs: elapsed(), states };
      if (v.state === 'failed') throw new TroveWaitError(what, 'failed', v.reason, states, elapsed(), value);
    } catch (e) {
      if (e instanceof TroveWaitError) throw e;
      lastSeen = `error: ${(e as Error).message.split('\n')[0]}`;
    }
    if (elapsed() >= o.timeoutMs) throw new TroveWaitError(what, 'timeout', lastSeen, states, elapsed(), last);
    await sleep(o.intervalMs ?? 1000);
  }
}
