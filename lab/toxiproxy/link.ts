// One direction of one proxied connection: data read from `src` goes through
// the proxy's current toxics of this stream, then to `dst`. Toxics added,
// changed or removed while the connection is open take effect on it at once,
// as in toxiproxy (a removed latency toxic releases the held data; a removed
// timeout toxic lets the data it held through).
import type { Socket } from 'node:net';
import type { Stream, Toxic } from './toxics.ts';

interface Chunk {
  data: Buffer;
  /** When it was read: latency counts from here, not from when the chunk reached the head of the queue. */
  at: number;
  /** When the latency toxics release it; decided once, cleared when the toxics change. */
  releaseAt?: number;
}

/** Bytes queued before reading from `src` pauses (backpressure to the sender). */
const HIGH_WATER = 1 << 20;
/** Bandwidth pacing granularity. */
const PACE_MS = 100;

export interface LinkEnds {
  /** Close the whole connection (both sockets, FIN). */
  close(): void;
  /** Reset the whole connection (both sockets, RST). */
  reset(): void;
}

export class Link {
  private readonly queue: Chunk[] = [];
  private queuedBytes = 0;
  private srcEnded = false;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  /** Per toxic name: the revision seen and whether it applies to this connection (toxicity drawn once per revision). */
  private readonly decisions = new Map<string, { revision: number; applies: boolean }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly passedBytes = new Map<string, number>();

  constructor(
    readonly stream: Stream,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly toxics: () => Toxic[],
    private readonly ends: LinkEnds,
  ) {}

  start(): void {
    this.src.on('data', (data: Buffer) => {
      this.queue.push({ data, at: Date.now() });
      this.queuedBytes += data.length;
      if (this.queuedBytes > HIGH_WATER) this.src.pause();
      this.wake();
    });
    this.src.on('end', () => {
      this.srcEnded = true;
      this.wake();
    });
    this.toxicsChanged();
    void this.pump().catch(() => this.ends.close());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.wake();
  }

  /** Called by the proxy after any change to its toxics. */
  toxicsChanged(): void {
    const current = this.toxics().filter((t) => t.stream === this.stream);
    const names = new Set(current.map((t) => t.name));
    for (const name of [...this.decisions.keys()]) if (!names.has(name)) this.forget(name);
    for (const t of current) {
      const seen = this.decisions.get(t.name);
      if (seen?.revision === t.revision) continue;
      this.forget(t.name);
      const applies = Math.random() < t.toxicity || t.toxicity >= 1;
      this.decisions.set(t.name, { revision: t.revision, applies });
      if (applies) this.armTimer(t);
    }
    for (const c of this.queue) c.releaseAt = undefined;
    this.wake();
  }

  private forget(name: string): void {
    clearTimeout(this.timers.get(name));
    this.timers.delete(name);
    this.decisions.delete(name);
    this.passedBytes.delete(name);
  }

  /** A timeout toxic closes the connection `timeout` ms after it met it (toxiproxy starts the clock with the toxic's pipe). */
  private armTimer(t: Toxic): void {
    const ms = t.attributes.timeout ?? 0;
    if (t.type === 'timeout' && ms > 0) this.timers.set(t.name, setTimeout(() => this.ends.close(), ms));
  }

  private active(): Toxic[] {
    return this.toxics().filter((t) => t.stream === this.stream && this.decisions.get(t.name)?.applies === true);
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /** Until woken (data, end, toxic change, stop) or `ms` elapsed. */
  private wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake(), Math.max(0, ms));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const toxics = this.active();
      // A timeout toxic lets nothing through while it is there.
      if (toxics.some((t) => t.type === 'timeout')) {
        await this.wait();
        continue;
      }
      const head = this.queue[0];
      // reset_peer: the first data to reach it is dropped and, `timeout` ms
      // later, the connection is reset (TCP RST), as toxiproxy's ResetToxic.
      const reset = toxics.find((t) => t.type === 'reset_peer');
      if (reset && head) {
        if (!this.timers.has(reset.name)) this.timers.set(reset.name, setTimeout(() => this.ends.reset(), reset.attributes.timeout ?? 0));
        await this.wait();
        continue;
      }
      if (!head) {
        if (this.srcEnded) return this.finish(toxics);
        await this.wait();
        continue;
      }
      head.releaseAt ??= head.at + latencyOf(toxics);
      const hold = head.releaseAt - Date.now();
      if (hold > 0) {
        await this.wait(hold);
        continue;
      }
      this.queue.shift();
      this.queuedBytes -= head.data.length;
      if (this.src.isPaused() && this.queuedBytes < HIGH_WATER / 2) this.src.resume();
      await this.send(head.data, toxics);
    }
  }

  private async send(data: Buffer, toxics: Toxic[]): Promise<void> {
    let out = data;
    let limitReached = false;
    for (const t of toxics.filter((x) => x.type === 'limit_data')) {
      const passed = this.passedBytes.get(t.name) ?? 0;
      const left = Math.max(0, (t.attributes.bytes ?? 0) - passed);
      if (out.length >= left) {
        out = out.subarray(0, left);
        limitReached = true;
      }
    }
    for (const t of toxics.filter((x) => x.type === 'limit_data')) this.passedBytes.set(t.name, (this.passedBytes.get(t.name) ?? 0) + out.length);
    const rate = Math.min(...toxics.filter((t) => t.type === 'bandwidth' && (t.attributes.rate ?? 0) > 0).map((t) => t.attributes.rate!));
    if (Number.isFinite(rate)) {
      // rate KB/s = rate bytes per ms: send in slices of PACE_MS worth of bytes.
      const slice = Math.max(1, rate * PACE_MS);
      for (let i = 0; i < out.length && !this.stopped; i += slice) {
        const part = out.subarray(i, i + slice);
        await this.write(part);
        await sleep(part.length / rate);
      }
    } else if (out.length) {
      await this.write(out);
    }
    if (limitReached) this.ends.close();
  }

  private async write(data: Buffer): Promise<void> {
    if (this.dst.destroyed || this.dst.writableEnded) return;
    if (this.dst.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.dst.off('drain', done);
        this.dst.off('close', done);
        resolve();
      };
      this.dst.on('drain', done);
      this.dst.on('close', done);
    });
  }

  /** `src` ended and everything queued went through: forward the close, slow_close holding it back. */
  private async finish(toxics: Toxic[]): Promise<void> {
    const delay = Math.max(0, ...toxics.filter((t) => t.type === 'slow_close').map((t) => t.attributes.delay ?? 0));
    if (delay > 0) await sleep(delay);
    if (!this.dst.destroyed) this.dst.end();
  }
}

/** Latency toxics add up (toxiproxy chains them); jitter draws uniformly in ±jitter per chunk. */
function latencyOf(toxics: Toxic[]): number {
  let ms = 0;
  for (const t of toxics) {
    if (t.type !== 'latency') continue;
    const jitter = t.attributes.jitter ?? 0;
    ms += (t.attributes.latency ?? 0) + (jitter > 0 ? Math.round((Math.random() * 2 - 1) * jitter) : 0);
  }
  return Math.max(0, ms);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
