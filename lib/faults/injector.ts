// The nemesis: injects faults and heals them, journalling every inverse BEFORE
// the fault touches the site (a crash between the two leaves an open entry
// whose inverse is harmless to replay), and remembering each fault window for
// the checkers and the timeline.
import { ConfigError } from '../env/errors.ts';
import { nowMs } from '../probes/clock.ts';
import type { FaultContext } from './context.ts';
import type { Fault } from './fault.ts';
import { journalPath, recordHealed, recordInjection } from './journal.ts';

export interface FaultWindow {
  id: string;
  kind: string;
  target: string;
  description: string;
  facts: Record<string, string | number | number[]>;
  /** Just before the injecting command was sent (ms since the epoch, lib/probes/clock.ts). */
  injectedAt: number;
  /** When the injecting command returned. */
  injectDoneAt?: number;
  /** Just before the heal started. */
  healStartedAt?: number;
  /** When the heal returned; absent while the fault is active. */
  healedAt?: number;
}

export interface InjectorOptions {
  /** Default: journalPath(env.name). */
  journalPath?: string;
  runId?: string;
}

/** The fault could not be injected; `healed` says whether its inverse was applied afterwards. */
export class FaultInjectionError extends Error {
  constructor(
    readonly fault: string,
    override readonly cause: Error,
    readonly healed: boolean,
  ) {
    super(`injecting ${fault} failed: ${cause.message}${healed ? ' (its inverse was applied)' : ' (its inverse could NOT be applied; the journal keeps it open for `trove-ha heal`)'}`);
    this.name = 'FaultInjectionError';
  }
}

export class HealError extends Error {
  constructor(readonly failures: Array<{ window: FaultWindow; error: Error }>) {
    super(`could not heal ${failures.length} fault(s): ${failures.map((f) => `${f.window.description}: ${f.error.message}`).join('; ')}; they stay open in the journal for \`trove-ha heal\``);
    this.name = 'HealError';
  }
}

export class Injector {
  readonly journal: string;
  private readonly active = new Map<string, { fault: Fault; window: FaultWindow }>();
  private readonly all: FaultWindow[] = [];

  constructor(
    private readonly ctx: FaultContext,
    private readonly options: InjectorOptions = {},
  ) {
    if (ctx.env.destructive !== true) {
      throw new ConfigError(`environment ${ctx.env.name} is not marked destructive (destructive: false); fault injection is refused. Set destructive: true only for a site that may be broken on purpose.`);
    }
    this.journal = options.journalPath ?? journalPath(ctx.env.name);
  }

  async inject(fault: Fault): Promise<FaultWindow> {
    if (this.active.has(fault.id)) throw new Error(`fault ${fault.id} (${fault.describe()}) is already injected`);
    const inverse = await fault.prepare();
    const window: FaultWindow = { id: fault.id, kind: fault.kind, target: fault.target, description: fault.describe(), facts: fault.facts(), injectedAt: nowMs() };
    recordInjection(this.journal, {
      id: fault.id,
      kind: fault.kind,
      target: fault.target,
      ...(this.options.runId ? { runId: this.options.runId } : {}),
      injectedAt: new Date(window.injectedAt).toISOString(),
      inverse,
    });
    try {
      await fault.inject();
    } catch (e) {
      // Part of it may have happened (one of two rules, one of three pids): undo now.
      const healed = await fault.heal().then(
        () => true,
        () => false,
      );
      if (healed) recordHealed(this.journal, fault.id);
      throw new FaultInjectionError(fault.describe(), e as Error, healed);
    }
    window.injectDoneAt = nowMs();
    this.active.set(fault.id, { fault, window });
    this.all.push(window);
    return { ...window };
  }

  async heal(fault: Fault): Promise<FaultWindow> {
    const entry = this.active.get(fault.id);
    if (!entry) throw new Error(`fault ${fault.id} (${fault.describe()}) is not active in this injector`);
    entry.window.healStartedAt = nowMs();
    await fault.heal();
    entry.window.healedAt = nowMs();
    recordHealed(this.journal, fault.id);
    this.active.delete(fault.id);
    return { ...entry.window };
  }

  /** Heals every active fault, newest first; tries them all, then throws HealError if any failed. */
  async healAll(): Promise<FaultWindow[]> {
    const failures: Array<{ window: FaultWindow; error: Error }> = [];
    const healed: FaultWindow[] = [];
    for (const { fault, window } of [...this.active.values()].reverse()) {
      try {
        healed.push(await this.heal(fault));
      } catch (error) {
        failures.push({ window: { ...window }, error: error as Error });
      }
    }
    if (failures.length > 0) throw new HealError(failures);
    return healed;
  }

  /** Every fault window of this injector, in injection order (copies). */
  windows(): FaultWindow[] {
    return this.all.map((w) => ({ ...w }));
  }
}
