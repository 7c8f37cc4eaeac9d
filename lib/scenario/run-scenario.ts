// Runs one fault scenario the tobiko/Jepsen way: baseline health, probes on,
// inject (inverse journalled first), expectations while injected, heal, recovery
// within its bound, probes off, then the checkers judge the histories. The fault
// is healed on every path, and the report gets the fault window, a timeline of
// every probe and the measured figures.
import { checkSiteHealth } from '../checks/site-health.ts';
import { describeLogErrors, judgeLogs, markLogs, readSince, troveLogs } from '../checks/service-logs.ts';
import { RECOVERY_ALLOWANCES } from '../checks/trove-log-allowances.ts';
import { expectHealthy } from '../checks/assert.ts';
import { describeFindings, failures, pass, type Finding } from '../checks/finding.ts';
import { faultContext } from '../faults/context.ts';
import { Injector, type FaultWindow } from '../faults/injector.ts';
import type { Fault } from '../faults/fault.ts';
import type { History } from '../probes/history.ts';
import { attachJson, attachText, place, step } from '../report/allure.ts';
import { attachTimeline } from '../report/timeline.ts';
import type { Site } from '../harness/site.ts';
import { waitUntil } from '../harness/wait.ts';
import type { Judgement, Scenario, ScenarioProbe } from './scenario.ts';
import { readHaResources } from './ha-resources.ts';
import { instanceWatchProbe, type InstanceSample } from '../probes/instance-watch-probe.ts';
import { judgeInstanceWatch } from '../checks/instance-watch.ts';

const WATCH_LANE = 'Trove instances made before the faults';

export interface ScenarioOutcome {
  window: FaultWindow;
  recoveryMs: number;
  judgement: Judgement;
}

/** Samples each probe needs before the injection (a baseline) and after recovery. */
const SETTLED_SAMPLES = 3;
/**
 * Guest-side loops deliver their history only when stopped, so the runner
 * cannot see their baseline; it records this long an observation window before
 * the injection so every lane shows the site working before the fault.
 */
const BASELINE_WINDOW_MS = 2_000;

export async function runScenario(site: Site, scenario: Scenario): Promise<ScenarioOutcome> {
  await place({ epic: 'HA scenarios', feature: scenario.feature, story: scenario.title });
  const ctx = faultContext(site.env, site.remote);
  const injector = new Injector(ctx, { runId: site.ctx.runId });
  const fault = scenario.fault(ctx);

  await step('baseline: the site is healthy before the fault', async () => expectHealthy('baseline health', await checkSiteHealth(site.env, site.remote)));
  const logs = troveLogs(site.env);
  const logMark = await step('mark the end of every Trove service log', () => markLogs(site.remote, logs));
  try {
    const setupFacts = scenario.setup ? await step('setup', () => scenario.setup!(site)) : {};
    if (Object.keys(setupFacts).length) await attachJson('setup', setupFacts);
    return await injectAndJudge(site, scenario, fault, { injector, setupFacts, logMark, logs });
  } finally {
    if (scenario.teardown) await step('teardown', () => scenario.teardown!(site));
  }
}

interface RunState {
  injector: Injector;
  setupFacts: Record<string, string | number>;
  logMark: Awaited<ReturnType<typeof markLogs>>;
  logs: ReturnType<typeof troveLogs>;
}

async function injectAndJudge(site: Site, scenario: Scenario, fault: Fault, { injector, setupFacts, logMark, logs }: RunState): Promise<ScenarioOutcome> {

  const maxDurationMs = 60_000 + scenario.recoveryBoundMs * 2;
  const resources = readHaResources(site.ctx.runDir);
  // The instances made before the faults are watched through every scenario.
  const watch: ScenarioProbe[] = resources?.instances.length
    ? [{ lane: WATCH_LANE, live: true, probe: instanceWatchProbe(site.openstack.admin, { instances: resources.instances.map((i) => i.id), projectId: await site.openstack.tenant.projectId(), intervalMs: 1000, maxDurationMs }) }]
    : [];
  const probes = [...scenario.probes(site, maxDurationMs), ...watch];
  const okSince = (h: History, t: number) => h.filter((e) => e.t >= t && e.ok).length;
  const histories: Record<string, History> = {};
  let window: FaultWindow | undefined;
  let recoveryMs = 0;
  try {
    for (const p of probes) p.probe.start();
    const probesStarted = performance.now();
    await step('probes record a healthy baseline', () =>
      waitUntil(
        `${SETTLED_SAMPLES} successful samples from every live probe and a ${BASELINE_WINDOW_MS / 1000} s baseline window (${probes.map((p) => p.lane).join(', ')})`,
        async () => {
          const short = probes.filter((p) => okSince(p.probe.history(), 0) < SETTLED_SAMPLES && p.live);
          const windowDone = performance.now() - probesStarted >= BASELINE_WINDOW_MS;
          return { done: short.length === 0 && windowDone, seen: short.length ? short.map((p) => p.lane).join(', ') : 'baseline window still open' };
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      ),
    );
    window = await step(`inject: ${fault.describe()}`, () => injector.inject(fault));
    const during = scenario.whileInjected ? await step('while injected', () => scenario.whileInjected!(site, window!, setupFacts)) : {};
    if (Object.keys(during).length) await attachJson('observed while injected', during);
    window = await step(`heal: ${fault.describe()}`, () => injector.heal(fault));
    const healedAt = window.healedAt!;
    recoveryMs = await step(`recovery: every health check passes within ${scenario.recoveryBoundMs / 1000} s`, () =>
      waitUntil(
        'the site to be healthy again',
        async () => {
          const bad = failures(await checkSiteHealth(site.env, site.remote));
          return { done: bad.length === 0, seen: describeFindings(bad).split('\n').slice(0, 3).join('; ') };
        },
        { timeoutMs: scenario.recoveryBoundMs, intervalMs: 1000 },
      ),
    );
    if (scenario.settled) {
      await step('what the fault set in motion comes to rest', () =>
        waitUntil(
          `${scenario.title}: settled after the heal`,
          async () => scenario.settled!(Object.fromEntries(probes.filter((p) => p.live).map((p) => [p.lane, p.probe.history()])), healedAt),
          { timeoutMs: scenario.recoveryBoundMs, intervalMs: 200 },
        ),
      );
    }
    await step('probes see the recovery', () =>
      waitUntil(
        'successful samples from every probe after the heal',
        async () => {
          const short = probes.filter((p) => p.live && okSince(p.probe.history(), healedAt) < SETTLED_SAMPLES);
          return { done: short.length === 0, seen: short.map((p) => p.lane).join(', ') };
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      ),
    );
  } finally {
    // Whatever happened above, the site is not left broken.
    await injector.healAll();
    for (const p of probes) histories[p.lane] = await p.probe.stop();
  }

  const w = window!;
  await attachTimeline(`${scenario.id} timeline`, {
    title: scenario.title,
    lanes: probes.map((p) => ({ name: p.lane, history: histories[p.lane]!, ...(p.labels ? { labels: p.labels(histories[p.lane]!) } : {}) })),
    faults: [{ label: w.description, start: w.injectedAt, ...(w.healedAt ? { end: w.healedAt } : {}) }],
  });
  const judgement = await step('judge the histories', () => scenario.judge(histories, w));
  if (histories[WATCH_LANE]) {
    const watched = judgeInstanceWatch(histories[WATCH_LANE] as InstanceSample[]);
    judgement.findings.push(...watched.findings);
    for (const [id, ms] of Object.entries(watched.longestHeartbeatGapMs)) judgement.figures[`instance ${id}: longest heartbeat gap ms`] = ms;
  }
  const tails = await step('read the Trove service logs written since the baseline', () => readSince(site.remote, logMark, logs));
  const allow = scenario.troveLogs.mode === 'judge' ? [...RECOVERY_ALLOWANCES, ...(scenario.troveLogs.allow ?? [])] : [];
  await attachText(`${scenario.id} Trove log errors`, describeLogErrors(tails, allow));
  if (scenario.troveLogs.mode === 'judge') judgement.findings.push(...judgeLogs(tails, allow));
  else judgement.findings.push(pass('logs.reported', 'Trove service logs', `reported, not judged: ${scenario.troveLogs.reportOnlyBecause}`));
  const figures = { ...judgement.figures, recoveryMs, faultHeldMs: Math.round((w.healStartedAt ?? w.injectedAt) - w.injectedAt) };
  await attachJson(`${scenario.id} figures`, { fault: w.description, facts: w.facts, figures });
  await attachText(`${scenario.id} findings`, describeFindings(judgement.findings));
  await expectHealthy(`${scenario.title}: checks`, judgement.findings as Finding[]);
  return { window: w, recoveryMs, judgement: { ...judgement, figures } };
}

