// The few toxiproxy operations link faults need, over toxiproxy-node-client,
// each bounded by a timeout (the client has none) and idempotent where an
// inverse uses it: removing a toxic that is gone, or enabling an enabled proxy,
// succeeds.
import { Toxiproxy, type ToxicType } from 'toxiproxy-node-client';

export type ToxicStream = 'upstream' | 'downstream';

export interface ToxicSpec {
  type: Exclude<ToxicType, 'down'>;
  attributes: Record<string, number>;
  stream?: ToxicStream;
  /** Share of connections affected, 0..1 (toxiproxy's default 1). */
  toxicity?: number;
}

export class ToxiproxyApi {
  private readonly client: Toxiproxy;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new Toxiproxy(url.replace(/\/+$/, ''));
  }

  async addToxic(proxy: string, name: string, spec: ToxicSpec): Promise<void> {
    const p = await this.bounded(`get proxy ${proxy}`, () => this.client.get(proxy));
    await this.bounded(`add toxic ${name} to ${proxy}`, () =>
      p.addToxic({ name, type: spec.type, stream: spec.stream ?? 'downstream', toxicity: spec.toxicity ?? 1, attributes: spec.attributes }),
    );
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    // A missing proxy cannot carry the toxic any more: nothing to undo.
    const p = await this.orMissing(`get proxy ${proxy}`, () => this.client.get(proxy));
    if (!p) return;
    const toxic = await this.orMissing(`get toxic ${name} of ${proxy}`, () => p.getToxic(name));
    if (!toxic) return;
    await this.orMissing(`remove toxic ${name} from ${proxy}`, () => toxic.remove());
  }

  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    const p = await this.bounded(`get proxy ${proxy}`, () => this.client.get(proxy));
    if (p.enabled === enabled) return;
    await this.bounded(`${enabled ? 'enable' : 'disable'} proxy ${proxy}`, () => p.update({ enabled, listen: p.listen, upstream: p.upstream }));
  }

  private async orMissing<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.bounded(what, call);
    } catch (e) {
      // The client reports HTTP errors only as this message.
      if (/status code 404\b/.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  private async bounded<T>(what: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`toxiproxy ${this.url}: ${what}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(message.startsWith('toxiproxy ') ? message : `toxiproxy ${this.url}: ${what}: ${message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
