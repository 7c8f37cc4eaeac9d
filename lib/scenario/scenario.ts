// A fault scenario as data plus small code (scenarios/*.ts): which fault, which
// probes record while it acts, what must hold while it is injected, how the
// histories are judged, and how fast the site must be healthy again.
import type { FaultContext } from '../faults/context.ts';
import type { Fault } from '../faults/fault.ts';
import type { FaultWindow } from '../faults/injector.ts';
import type { Finding } from '../checks/finding.ts';
import type { History, Probe } from '../probes/history.ts';
import type { TimelineLabel } from '../report/timeline.ts';
import type { Site } from '../harness/site.ts';
import type { LogAllowance } from '../checks/service-logs.ts';

export interface ScenarioProbe {
  /** Lane name in the timeline, e.g. "guest AMQP trove-mgmt1:5670". */
  lane: string;
  probe: Probe;
  /** false for guest-side loops, whose history arrives only when stopped (no streaming over SSH). */
  live: boolean;
  /** How a probe's history becomes labels on its lane (e.g. VIP holder changes). */
  labels?(history: History): TimelineLabel[];
}

export interface Judgement {
  findings: Finding[];
  /** Measured figures for the report (ms, counts). */
  figures: Record<string, number | string>;
}

export interface Scenario {
  /** Stable id, e.g. "keepalived-crash-trove-mgmt1". */
  id: string;
  title: string;
  /** Allure feature (the epic is "HA scenarios"). */
  feature: string;
  fault(ctx: FaultContext): Fault;
  /** Probes to run from before the injection to after recovery, bounded by maxDurationMs. */
  probes(site: Site, maxDurationMs: number): ScenarioProbe[];
  /** While the fault is active: wait (bounded) for its expected effect; returns facts for the report. */
  whileInjected?(site: Site, window: FaultWindow, setup: Record<string, string | number>): Promise<Record<string, string | number>>;
  /** Judge what the probes recorded around the fault window. */
  judge(histories: Record<string, History>, window: FaultWindow): Judgement | Promise<Judgement>;
  /** After heal, every health check must pass within this bound. */
  recoveryBoundMs: number;
  /**
   * After the recovery, before the probes stop: whether what the fault set in
   * motion has come to rest (e.g. a healed keepalived master preempting its VIP
   * back), judged from the live probes' histories; the probes keep recording
   * until it has (bounded by recoveryBoundMs), so a late second move is measured
   * rather than cut in half by the end of the probe.
   */
  settled?(histories: Record<string, History>, healedAt: number): { done: boolean; seen: string };
  /**
   * The Trove service logs from the baseline to the end of the recovery:
   * 'judge' fails the scenario on any ERROR/Traceback record not allowed below;
   * 'report' only attaches them (say why in reportOnlyBecause).
   */
  troveLogs: { mode: 'judge'; allow?: LogAllowance[] } | { mode: 'report'; reportOnlyBecause: string };
  /** Before the baseline: make what the scenario acts on (e.g. an instance); its result reaches whileInjected as facts. */
  setup?(site: Site): Promise<Record<string, string | number>>;
  /** Always, after the heal: remove what setup made. */
  teardown?(site: Site): Promise<void>;
}
