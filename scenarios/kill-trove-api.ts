// trove-api is killed (SIGKILL) on one controller. Requests through the API VIP
// must keep succeeding: HAProxy's health check takes the dead backend out, the
// other controllers answer. Failed requests are counted and reported; the test
// fails if the API stops answering during the fault, if failures outlast
// HAProxy's detection, or if the service does not come back after the heal.
import type { Environment } from '../lib/env/schema.ts';
import { killService } from '../lib/faults/index.ts';
import { apiProbe, type Probe } from '../lib/probes/index.ts';
import { failedRequests, outageWindows } from '../lib/checks/history.ts';
import { pass, fail } from '../lib/checks/finding.ts';
import { waitUntil } from '../lib/harness/wait.ts';
import type { Scenario } from '../lib/scenario/scenario.ts';
import type { HistoryEntry } from '../lib/probes/history.ts';

/** Longest run of consecutive failures tolerated: HAProxy's fall x inter plus a request timeout. */
const MAX_OUTAGE_MS = 12_000;
/** Successful requests required while the service is dead. */
const SUCCESSES_DURING_FAULT = 10;
/**
 * Consecutive successes that end the API lane before the probes stop. The
 * first request a restarted trove-api takes waits for its worker to start
 * (2.3 s on an idle lab, over the probe's 5 s on a loaded one): HAProxy still
 * sends to a backend whose restart was quicker than its fall x inter. That
 * request is reported as a failed request, and recovery means a clean run after it.
 */
const RECOVERED_RUN = 5;

/** The requests from the last failure on, when they are all successes. */
export function trailingSuccesses(h: readonly HistoryEntry[]): number {
  let n = 0;
  for (let i = h.length - 1; i >= 0 && h[i]!.ok; i--) n++;
  return n;
}

export function killTroveApi(env: Environment, node: string): Scenario {
  const service = env.trove.services.api;
  const lane = `API database/instances through ${new URL(env.keystone.url).hostname}`;
  let api: Probe | undefined;
  return {
    id: `kill-trove-api-${node}`,
    title: `trove-api is killed on ${node}: the API keeps answering through the VIP`,
    feature: 'trove-api failure',
    fault: (ctx) => killService(ctx, service, node, 'KILL'),
    probes: (site, maxDurationMs) => {
      api = apiProbe(site.openstack.tenant, { serviceType: 'database', path: 'instances', intervalMs: 250, maxDurationMs });
      return [{ lane, live: true, probe: api }];
    },
    whileInjected: async (_site, window) => {
      const ms = await waitUntil(
        `${SUCCESSES_DURING_FAULT} successful API requests through the VIP after the kill`,
        async () => {
          const ok = api!.history().filter((e) => e.t >= window.injectedAt && e.ok).length;
          return { done: ok >= SUCCESSES_DURING_FAULT, seen: `${ok} so far` };
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      return { successesReachedAfterMs: ms };
    },
    settled: (histories, healedAt) => {
      const after = (histories[lane] ?? []).filter((e) => e.t > healedAt);
      const run = trailingSuccesses(after);
      return { done: run >= RECOVERED_RUN, seen: `${run} consecutive successful requests since the last failure after the heal (${after.length} made)` };
    },
    judge: (histories, window) => {
      const h = histories[lane] ?? [];
      const during = h.filter((e) => e.t >= window.injectedAt && e.t <= (window.healStartedAt ?? Infinity));
      const after = h.filter((e) => e.t > (window.healedAt ?? Infinity));
      const requests = failedRequests(h, { subject: lane });
      const outage = outageWindows(h, { subject: lane, maxOutageMs: MAX_OUTAGE_MS });
      const okDuring = during.filter((e) => e.ok).length;
      const lastAfter = after.slice(-RECOVERED_RUN);
      const failedAfter = after.filter((e) => !e.ok);
      const findings = [
        ...outage.findings,
        okDuring >= SUCCESSES_DURING_FAULT ? pass('api.keeps-answering', lane, `${okDuring} of ${during.length} requests succeeded while trove-api was dead on ${node}`) : fail('api.keeps-answering', lane, `only ${okDuring} of ${during.length} requests succeeded while trove-api was dead on ${node}`),
        lastAfter.length > 0 && lastAfter.every((e) => e.ok) ? pass('api.recovered', lane, 'the last requests after the heal all succeeded') : fail('api.recovered', lane, `requests still fail after the heal: ${lastAfter.map((e) => e.detail).join(', ') || 'none made'}`),
      ];
      return { findings, figures: { requests: requests.total, failedRequests: requests.failed, failuresByKind: JSON.stringify(requests.byDetail), requestsDuringFault: during.length, okDuringFault: okDuring, longestOutageMs: outage.longestMs, failedAfterHeal: failedAfter.length, failedAfterHealKinds: failedAfter.map((e) => e.detail).join(', ') || 'none', slowestAfterHealMs: Math.max(0, ...after.map((e) => e.latencyMs)) } };
    },
    troveLogs: { mode: 'judge' },
    recoveryBoundMs: 60_000,
  };
}
