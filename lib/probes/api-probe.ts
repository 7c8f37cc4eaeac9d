// apiProbe: an authenticated GET through the API VIP every ~500 ms, each
// request one history entry, retries disabled (a retry would hide exactly the
// failures the probe is there to see). Details hold status or error code only,
// never a URL with a token or an answer body.
import { isHttpError } from '../openstack/http-error.ts';
import type { KeystoneSession } from '../openstack/keystone.ts';
import { nowMs } from './clock.ts';
import type { History, HistoryEntry, Probe } from './history.ts';
import { BoundedLoop } from './loop.ts';

export interface ApiProbeOptions {
  /** Catalog service type, e.g. "database" (Trove), "identity". */
  serviceType?: string;
  /** Path relative to the service's endpoint. */
  path?: string;
  intervalMs?: number;
  /** Per request. */
  timeoutMs?: number;
  maxDurationMs: number;
}

export function apiProbe(session: KeystoneSession, o: ApiProbeOptions): Probe {
  const serviceType = o.serviceType ?? 'database';
  const path = o.path ?? 'instances';
  const op = `GET ${serviceType}/${path}`;
  const entries: HistoryEntry[] = [];
  const loop = new BoundedLoop({
    intervalMs: o.intervalMs ?? 500,
    maxDurationMs: o.maxDurationMs,
    attempt: async (signal) => {
      const t = nowMs();
      try {
        const r = await session.request(serviceType, 'GET', path, { retries: 0, timeoutMs: o.timeoutMs ?? 5000, signal });
        entries.push({ t, op, ok: true, latencyMs: Math.round(nowMs() - t), detail: `HTTP ${r.status}` });
      } catch (e) {
        // Our own stop() aborted it: not an observation of the site.
        if (signal.aborted) return;
        entries.push({ t, op, ok: false, latencyMs: Math.round(nowMs() - t), detail: failureDetail(e) });
      }
    },
    onError: () => undefined,
  });
  return {
    name: `API ${op}`,
    start: () => loop.start(),
    stop: async () => {
      await loop.stop();
      return [...entries];
    },
    history: (): History => [...entries],
  };
}

function failureDetail(e: unknown): string {
  if (isHttpError(e)) return e.status !== undefined ? `HTTP ${e.status}` : `no answer (${e.code ?? 'network error'})`;
  // Catalog and token-scope errors carry names, never secrets; keep them short anyway.
  const err = e instanceof Error ? e : new Error(String(e));
  return `${err.name}: ${err.message.split('\n')[0]!.slice(0, 120)}`;
}
