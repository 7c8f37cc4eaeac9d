// The keepalived master of a VIP fails, three ways (clean stop, crash, cut
// link): the VIP must move to a backup within keepalived's own bound
// (3 x advert_int + skew for a silent master, the skew alone for a clean stop),
// what a guest sees through the VIP must come back within that bound, and two
// holders at once is detected and measured: after a crash the dead master keeps
// its VIP configured (keepalived never removed it; Debian's unit does not restart
// it) until keepalived starts again, here the heal. That stale copy is reported
// with its duration; split brain outliving the heal fails.
import type { Environment, VipDef } from '../lib/env/schema.ts';
import { failKeepalivedMaster, type KeepalivedFailMode } from '../lib/faults/index.ts';
import { guestAmqpProbe, guestSwiftProbe, vipHolderProbe, apiProbe, type VipSample } from '../lib/probes/index.ts';
import { keepalivedBound, outageWindows, vipMoves } from '../lib/checks/history.ts';
import { readVipHolders } from '../lib/checks/vip.ts';
import { holderChangeLabels } from '../lib/report/timeline.ts';
import { waitUntil } from '../lib/harness/wait.ts';
import type { Scenario, ScenarioProbe } from '../lib/scenario/scenario.ts';
import { DATABASE_VIP_MOVE_ALLOWANCES } from '../lib/checks/trove-log-allowances.ts';

/**
 * What the measurement adds to keepalived's own bound: the holder probe's
 * period (200 ms) plus its SSH round trips on a loaded 2-core machine (up to
 * ~550 ms seen on the lab's crash moves).
 */
const POLL_SLACK_MS = 1_000;
/** How long whileInjected waits beyond the bound for the takeover before giving up. */
const TAKEOVER_WAIT_SLACK_MS = 10_000;
/**
 * Every handover has a moment when both nodes have the address: a clean stop
 * sends the priority-0 advert before removing it (1.4 s measured on the lab's
 * loaded controllers), and when the healed master preempts back, the backup
 * drops it only on hearing the higher priority. Longer than this is split brain.
 */
const HANDOVER_OVERLAP_ALLOWANCE_MS = 2_000;

export function moveBoundMs(vip: VipDef, mode: KeepalivedFailMode): number {
  const silent = keepalivedBound(vip.keepalived.advertIntSeconds, vip.keepalived.backupPriority);
  const skew = Math.round(((256 - vip.keepalived.backupPriority) / 256) * 1000);
  return (mode === 'stop' ? skew : silent) + POLL_SLACK_MS;
}

export function keepalivedMasterFailure(env: Environment, vipName: string, mode: KeepalivedFailMode): Scenario {
  const vip = env.vips[vipName]!;
  const bound = moveBoundMs(vip, mode);
  const guestLanes = (): string[] => {
    if (!vip.probeFrom || !vip.hostname) return [];
    const amqp = Object.entries(vip.ports).find(([p]) => p.startsWith('amqp'));
    return [...(amqp ? [`guest AMQP ${vip.hostname}:${amqp[1]}`] : []), ...(vip.ports.swift ? [`guest Swift ${vip.hostname}:${vip.ports.swift}`] : [])];
  };
  return {
    id: `keepalived-${mode}-${vipName}`,
    title: `keepalived master of VIP ${vipName} (${vip.address}) fails: ${mode}`,
    feature: 'keepalived master failure',
    fault: (ctx) => failKeepalivedMaster(ctx, vipName, mode),
    probes: (site, maxDurationMs) => {
      const probes: ScenarioProbe[] = [
        {
          lane: `VIP ${vipName} holders`,
          live: true,
          probe: vipHolderProbe(site.remote, vipName, vip, { maxDurationMs }),
          labels: (h) => holderChangeLabels(h as VipSample[]),
        },
      ];
      if (vip.probeFrom && vip.hostname) {
        const amqp = Object.entries(vip.ports).find(([p]) => p.startsWith('amqp'));
        if (amqp) probes.push({ lane: `guest AMQP ${vip.hostname}:${amqp[1]}`, live: false, probe: guestAmqpProbe(site.remote, { node: vip.probeFrom, host: vip.hostname, port: amqp[1], maxDurationMs }) });
        if (vip.ports.swift) probes.push({ lane: `guest Swift ${vip.hostname}:${vip.ports.swift}`, live: false, probe: guestSwiftProbe(site.remote, { node: vip.probeFrom, url: `http://${vip.hostname}:${vip.ports.swift}/healthcheck`, maxDurationMs }) });
      } else {
        // A VIP in front of the APIs: what a client of the cloud sees.
        probes.push({ lane: `API object-store through ${vip.address}`, live: true, probe: apiProbe(site.openstack.tenant, { serviceType: 'object-store', path: '', maxDurationMs }) });
      }
      return probes;
    },
    whileInjected: async (site, window) => {
      const from = String(window.facts.holder);
      let holders: string[] = [];
      // A crashed master still has the address: wait for the takeover, and
      // after a clean stop or a cut link also for the old master to let go.
      const ms = await waitUntil(
        mode === 'crash' ? `another node than ${from} to take VIP ${vipName} over` : `VIP ${vipName} to be held by exactly one node other than ${from}`,
        async () => {
          holders = (await readVipHolders(site.remote, vipName, vip.address, vip.holders)).holders;
          const takenOver = holders.some((h) => h !== from);
          return { done: takenOver && (mode === 'crash' || holders.length === 1), seen: `held by ${holders.join(', ') || 'nobody'}` };
        },
        { timeoutMs: bound + TAKEOVER_WAIT_SLACK_MS, intervalMs: 200 },
      );
      return {
        previousHolder: from,
        newHolder: holders.find((h) => h !== from)!,
        observedAfterMs: ms,
        ...(mode === 'crash' ? { staleVipOnCrashedMaster: holders.includes(from) ? 'yes (split brain until keepalived starts again)' : 'no' } : {}),
      };
    },
    // After the heal the healed master preempts its VIP back once it has been
    // BACKUP for the master-down interval (about the silent bound): a second
    // move, seconds after the recovery checks pass. The probes record until
    // one holder has kept the VIP for twice that bound since the heal.
    settled: (histories, healedAt) => stableHolder((histories[`VIP ${vipName} holders`] ?? []) as VipSample[], healedAt, 2 * keepalivedBound(vip.keepalived.advertIntSeconds, vip.keepalived.backupPriority)),
    judge: (histories, window) => {
      const samples = (histories[`VIP ${vipName} holders`] ?? []) as VipSample[];
      // The fault takes effect somewhere inside the injecting command (a clean
      // `stop` returns only once keepalived has exited): the bound starts when
      // it was sent and includes its duration.
      const injectCommandMs = Math.round((window.injectDoneAt ?? window.injectedAt) - window.injectedAt);
      const allowedMoveMs = bound + injectCommandMs;
      const move = vipMoves(samples, {
        injectedAt: window.injectedAt,
        from: String(window.facts.holder),
        subject: `VIP ${vipName}`,
        maxMoveMs: allowedMoveMs,
        allowSplitBrainMs: HANDOVER_OVERLAP_ALLOWANCE_MS,
        allowNoHolderMs: allowedMoveMs,
        ...(mode === 'crash' && window.healedAt !== undefined ? { staleUntil: window.healedAt } : {}),
      });
      const findings = [...move.findings];
      const figures: Record<string, number | string> = {
        mode,
        keepalivedBoundMs: keepalivedBound(vip.keepalived.advertIntSeconds, vip.keepalived.backupPriority),
        injectCommandMs,
        allowedMoveMs,
        ...(move.moveMs !== undefined ? { vipMoveMs: move.moveMs, newHolder: move.newHolder! } : {}),
        splitBrainMs: move.splitBrain.reduce((n, i) => n + i.durationMs, 0) - (move.staleMs ?? 0),
        allowedSplitBrainMs: HANDOVER_OVERLAP_ALLOWANCE_MS,
        ...(mode === 'crash' ? { staleVipOnCrashedMasterMs: move.staleMs ?? 0 } : {}),
        noHolderMs: Math.max(0, ...move.noHolder.map((i) => i.durationMs)),
      };
      for (const lane of [...guestLanes(), ...Object.keys(histories).filter((l) => l.startsWith('API '))]) {
        const outage = outageWindows(histories[lane] ?? [], { subject: lane, maxOutageMs: allowedMoveMs });
        findings.push(...outage.findings);
        figures[`${lane}: longest outage ms`] = outage.longestMs;
        figures[`${lane}: failed attempts`] = outage.failed;
      }
      return { findings, figures };
    },
    // On the VIP that carries the database endpoint, every connection through
    // the old holder dies: oslo.db's reconnects are explained for every judged
    // scenario, and a request whose query was in flight then fails
    // (lib/checks/trove-log-allowances.ts).
    troveLogs: { mode: 'judge', allow: vip.address === env.galera?.endpoint.host ? [...DATABASE_VIP_MOVE_ALLOWANCES] : [] },
    recoveryBoundMs: 60_000,
  };
}

/** One single holder, unchanged for `stableMs` since the heal (or since it last changed, if later). */
export function stableHolder(samples: readonly VipSample[], healedAt: number, stableMs: number): { done: boolean; seen: string } {
  const last = samples[samples.length - 1];
  if (!last || last.t < healedAt) return { done: false, seen: 'no holder sample since the heal yet' };
  const key = (x: VipSample) => `${x.holders.join('+') || 'none'}${x.unknown.length ? ` (unknown ${x.unknown.join('+')})` : ''}`;
  let since = last.t;
  for (let i = samples.length - 1; i >= 0 && samples[i]!.t >= healedAt && key(samples[i]!) === key(last); i--) since = samples[i]!.t;
  since = Math.max(since, healedAt);
  const steadyMs = Math.round(last.t - since);
  const single = last.holders.length === 1 && last.unknown.length === 0;
  return { done: single && steadyMs >= stableMs, seen: `holder ${key(last)} for ${steadyMs} ms (wanted one holder for ${stableMs} ms)` };
}

/** Every VIP and every mode that can be injected on it without cutting the harness's own path. */
export function keepalivedScenarios(env: Environment): Scenario[] {
  const out: Scenario[] = [];
  for (const name of Object.keys(env.vips)) {
    for (const mode of ['stop', 'crash', 'cut-link'] as const) {
      // A VIP on the interface the harness reaches its holders through (the API
      // VIP on the controllers' only leg) cannot have its link cut from here.
      if (mode === 'cut-link' && !env.vips[name]!.probeFrom) continue;
      out.push(keepalivedMasterFailure(env, name, mode));
    }
  }
  return out;
}
