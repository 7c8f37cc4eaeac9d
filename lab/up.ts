// `lab up`: run each step whose check() does not hold, in order. Idempotent: on
// a healthy lab every check holds and nothing is touched. A failure names the
// step and its log file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabStep, StepContext } from './step.ts';
import { labPaths } from './paths.ts';
import { labStages } from './all-steps.ts';
import { withLabLock } from './lock.ts';
import { setPartitionHandling } from './steps/rabbitmq.ts';

export interface LabUpOptions {
  progress?: (line: string) => void;
  /** RabbitMQ cluster_partition_handling; default lab.yaml's rabbitmq.partitionHandling (pause_minority). */
  rabbitmqPartitionHandling?: string;
}

export interface StepRun {
  name: string;
  action: 'nothing to do' | 'applied' | 'failed';
  seconds: number;
  log: string;
  error?: string;
}

export interface LabUpResult {
  ok: boolean;
  seconds: number;
  steps: StepRun[];
  /** Set on failure: the step that failed and the log to read. */
  failed?: { step: string; log: string; error: string };
}

/** A failed `lab up`/`lab down`: the message names the step and its log; the structured result rides along. */
export class LabError<R> extends Error {
  constructor(
    message: string,
    readonly result: R,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

export function stepLog(step: string): string {
  return join(labPaths.logs, `${step}.log`);
}

/** Context for one step: progress lines go to the caller and into the step log. */
export function stepContext(step: LabStep, started: number, progress: (line: string) => void): StepContext {
  const logFile = stepLog(step.name);
  return {
    logFile,
    progress(message: string) {
      appendFileSync(logFile, `# ${message}\n`);
      progress(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
    },
  };
}

/**
 * Build (or repair) the lab. Resolves with the per-step result; on failure it
 * rejects with a LabError naming the failed step and its log (`.result` has the
 * same structure), so a caller that only awaits still exits non-zero.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const result = await labUpResult(opts);
  if (!result.ok && result.failed) throw new LabError(`lab up failed in step ${result.failed.step}: ${result.failed.error}\n  read ${result.failed.log}`, result);
  return result;
}

/** Like labUp, but never rejects for a failed step: the result says ok: false. */
export function labUpResult(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const progress = opts.progress ?? (() => undefined);
  return withLabLock('lab up', async () => {
    setPartitionHandling(opts.rabbitmqPartitionHandling);
    const started = Date.now();
    mkdirSync(labPaths.logs, { recursive: true });
    const runs: StepRun[] = [];
    for (const stage of labStages()) {
      // Entries run at the same time; a chain runs its steps in order and stops at a failure.
      const stageRuns = (
        await Promise.all(
          stage.map(async (entry) => {
            const chain = Array.isArray(entry) ? entry : [entry];
            const done: StepRun[] = [];
            for (const step of chain) {
              const r = await runStep(step, started, progress);
              done.push(r);
              if (r.action === 'failed') break;
            }
            return done;
          }),
        )
      ).flat();
      runs.push(...stageRuns);
      const failed = stageRuns.find((r) => r.action === 'failed');
      if (failed) return { ok: false, seconds: (Date.now() - started) / 1000, steps: runs, failed: { step: failed.name, log: failed.log, error: failed.error ?? 'failed' } };
    }
    const seconds = (Date.now() - started) / 1000;
    progress(`lab up: ready in ${seconds.toFixed(1)} s`);
    return { ok: true, seconds, steps: runs };
  });
}

/** Check a step; apply it when its check does not hold; never throws. */
async function runStep(step: LabStep, started: number, progress: (line: string) => void): Promise<StepRun> {
  const ctx = stepContext(step, started, progress);
  appendFileSync(ctx.logFile, `\n=== lab up ${new Date().toISOString()} ===\n`);
  const t0 = Date.now();
  const secs = () => (Date.now() - t0) / 1000;
  try {
    if (await step.check(ctx)) {
      ctx.progress(`${step.name}: nothing to do (${secs().toFixed(1)} s)`);
      return { name: step.name, action: 'nothing to do', seconds: secs(), log: ctx.logFile };
    }
    ctx.progress(`${step.name}: building`);
    await step.apply(ctx);
    if (!(await step.check(ctx))) throw new Error(`applied, but its check still fails`);
    ctx.progress(`${step.name}: done (${secs().toFixed(1)} s)`);
    return { name: step.name, action: 'applied', seconds: secs(), log: ctx.logFile };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    appendFileSync(ctx.logFile, `# FAILED: ${error}\n`);
    ctx.progress(`${step.name}: FAILED after ${secs().toFixed(1)} s: ${error}`);
    ctx.progress(`${step.name}: read ${ctx.logFile}`);
    return { name: step.name, action: 'failed', seconds: secs(), log: ctx.logFile, error };
  }
}
