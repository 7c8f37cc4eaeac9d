// instanceWatchProbe: what Trove says about database instances made before the
// faults (tobiko's "resources created before the faults"), every few seconds:
// status, operating status and when the conductor last heard the guest
// (service_status_updated: the time of its last heartbeat). Checks judge from it
// that no instance went to ERROR and that the guests kept heartbeating.
//
// One admin request per sample, GET /mgmt/instances (Trove's management list,
// which carries service_status_updated): unlike GET /instances/<id>, it never
// calls the guest, so a guest that a fault cuts off does not make trove-api
// log a MessagingTimeout at ERROR on the probe's behalf.
import { isHttpError } from '../openstack/http-error.ts';
import type { KeystoneSession } from '../openstack/keystone.ts';
import type { InstanceDetail } from '../openstack/database-types.ts';
import { nowMs } from './clock.ts';
import type { History, HistoryEntry, Probe } from './history.ts';
import { BoundedLoop } from './loop.ts';

export interface InstanceSample extends HistoryEntry {
  instance: string;
  status?: string;
  operatingStatus?: string;
  /** ms since the epoch of the guest's last heartbeat as Trove recorded it. */
  heartbeatAt?: number;
}

export interface InstanceWatchOptions {
  instances: string[];
  /** The project that owns them: the management list is narrowed to it. */
  projectId: string;
  intervalMs?: number;
  timeoutMs?: number;
  maxDurationMs: number;
}

/** Trove writes UTC timestamps without a zone ("2026-11-22T03:03:21"). */
export function troveTime(s: string | null | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(t) ? undefined : t;
}

export function instanceWatchProbe(admin: KeystoneSession, o: InstanceWatchOptions): Probe<InstanceSample> {
  const entries: InstanceSample[] = [];
  const path = `mgmt/instances?deleted=false&project_id=${encodeURIComponent(o.projectId)}`;
  const loop = new BoundedLoop({
    intervalMs: o.intervalMs ?? 2000,
    maxDurationMs: o.maxDurationMs,
    attempt: async (signal) => {
      const t = nowMs();
      const op = `GET database/${path}`;
      try {
        const r = await admin.request<{ instances: InstanceDetail[] }>('database', 'GET', path, { retries: 0, timeoutMs: o.timeoutMs ?? 5000, signal });
        const latencyMs = Math.round(nowMs() - t);
        for (const instance of o.instances) {
          const i = r.body.instances.find((x) => x.id === instance);
          if (!i) {
            entries.push({ t, op, ok: false, latencyMs, instance, detail: 'not in the management list' });
            continue;
          }
          const heartbeatAt = troveTime(i.service_status_updated);
          entries.push({ t, op, ok: true, latencyMs, instance, status: i.status, operatingStatus: i.operating_status, ...(heartbeatAt ? { heartbeatAt } : {}) });
        }
      } catch (e) {
        if (signal.aborted) return;
        const detail = isHttpError(e) ? `HTTP ${e.status ?? e.code}` : String((e as Error).message).split('\n')[0]!.slice(0, 120);
        for (const instance of o.instances) entries.push({ t, op, ok: false, latencyMs: Math.round(nowMs() - t), instance, detail });
      }
    },
    onError: () => undefined,
  });
  return {
    name: 'Trove instances made before the faults',
    start: () => loop.start(),
    stop: async () => {
      await loop.stop();
      return [...entries];
    },
    history: (): History<InstanceSample> => [...entries],
  };
}
