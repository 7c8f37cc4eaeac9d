// The bounded loop every polling probe runs: one attempt per interval, never
// two at once, until stop() or the deadline, whichever comes first. An attempt
// that throws is a bug in the probe, not a fault of the site: it is recorded
// through onError and the loop goes on, so a probe never dies mid-fault.
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from './clock.ts';

export interface LoopOptions {
  intervalMs: number;
  /** The loop ends by itself this long after start(), even if nobody calls stop(). */
  maxDurationMs: number;
  attempt: (signal: AbortSignal) => Promise<void>;
  onError: (error: unknown) => void;
}

export class BoundedLoop {
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly options: LoopOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { intervalMs, maxDurationMs, attempt, onError } = this.options;
    const signal = this.abort.signal;
    const deadline = nowMs() + maxDurationMs;
    while (!signal.aborted && nowMs() < deadline) {
      const began = nowMs();
      try {
        await attempt(signal);
      } catch (error) {
        onError(error);
      }
      // Keep the cadence: an attempt that took 80 ms of a 100 ms interval waits 20 ms.
      const wait = Math.min(intervalMs - (nowMs() - began), deadline - nowMs());
      if (wait > 0 && !signal.aborted) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
}
