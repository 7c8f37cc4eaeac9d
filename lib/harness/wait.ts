// Waiting for a condition, never for luck: every wait has a bound and its error
// says what it waited for and what it saw last.
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastSeen?: string,
  ) {
    super(`timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}${lastSeen ? `; last seen: ${lastSeen}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it returns { done: true }. `seen` in the answer describes
 * the state for the timeout message. Returns the time it took, in ms.
 */
export async function waitUntil(what: string, check: () => Promise<{ done: boolean; seen?: string }>, o: WaitOptions): Promise<number> {
  const start = performance.now();
  let lastSeen: string | undefined;
  for (;;) {
    try {
      const r = await check();
      if (r.done) return Math.round(performance.now() - start);
      lastSeen = r.seen;
    } catch (e) {
      lastSeen = (e as Error).message.split('\n')[0];
    }
    if (performance.now() - start > o.timeoutMs) throw new WaitTimeoutError(what, o.timeoutMs, lastSeen);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
  }
}
