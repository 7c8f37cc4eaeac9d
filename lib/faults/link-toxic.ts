// linkToxic: degrade a link that runs through toxiproxy (latency, timeout,
// reset_peer, bandwidth); inverse: remove the toxic, named after the fault.
import { ConfigError } from '../env/errors.ts';
import { toxiproxyProxy, type FaultContext } from './context.ts';
import { defineFault, newFaultId, type Fault } from './fault.ts';
import type { ToxicSpec } from './toxiproxy-api.ts';

/** The toxics scenarios use, with toxiproxy's own attribute names and units. */
export type LinkToxic =
  | { type: 'latency'; latencyMs: number; jitterMs?: number }
  | { type: 'timeout'; timeoutMs: number }
  | { type: 'reset_peer'; timeoutMs: number }
  | { type: 'bandwidth'; rateKBps: number };

export function linkToxic(ctx: FaultContext, proxy: string, toxic: LinkToxic, options: { stream?: 'upstream' | 'downstream'; toxicity?: number } = {}): Fault {
  const spec: ToxicSpec = { ...toToxicSpec(toxic), ...options };
  toxiproxyProxy(ctx, proxy);
  const id = newFaultId(`toxic-${toxic.type.replace('_', '-')}`);
  return defineFault(
    ctx,
    {
      kind: 'link-toxic',
      target: `toxiproxy ${proxy}`,
      description: `add a ${toxic.type} toxic ${JSON.stringify(spec.attributes)} to toxiproxy proxy ${proxy} (${spec.stream ?? 'downstream'}) on ${ctx.toxiproxy().describe()}`,
      prepare: async () => ({
        action: { op: 'toxic-remove', proxy, toxic: id },
        inject: () => ctx.toxiproxy().addToxic(proxy, id, spec),
      }),
    },
    id,
  );
}

function toToxicSpec(t: LinkToxic): ToxicSpec {
  const nonNegative = (n: number, what: string) => {
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`toxic ${t.type}: ${what} must be a number >= 0, got ${n}`);
    return n;
  };
  switch (t.type) {
    case 'latency':
      return { type: 'latency', attributes: { latency: nonNegative(t.latencyMs, 'latencyMs'), jitter: nonNegative(t.jitterMs ?? 0, 'jitterMs') } };
    case 'timeout':
      return { type: 'timeout', attributes: { timeout: nonNegative(t.timeoutMs, 'timeoutMs') } };
    case 'reset_peer':
      return { type: 'reset_peer', attributes: { timeout: nonNegative(t.timeoutMs, 'timeoutMs') } };
    case 'bandwidth':
      return { type: 'bandwidth', attributes: { rate: nonNegative(t.rateKBps, 'rateKBps') } };
  }
}
