// `lab down`: every step's teardown in reverse order, then the node state
// directories (datadirs, logs, pid files). Each teardown must work on a
// half-built lab, and one failing does not stop the others: whatever is left
// running is found again by `ip netns pids` in the network step.
// Kept: secrets/ and ssh/id_ed25519 (lab.yaml points at them), logs/ (step logs),
// cache/ (downloads, e.g. api-paste.ini from the trove-common .deb).
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labPaths } from './paths.ts';
import { labSteps } from './all-steps.ts';
import { withLabLock } from './lock.ts';
import { LabError, stepContext } from './up.ts';

export interface LabDownOptions {
  progress?: (line: string) => void;
  /** Also delete secrets, SSH keys and step logs (the whole lab directory). */
  purge?: boolean;
}

export interface LabDownResult {
  ok: boolean;
  seconds: number;
  steps: { name: string; seconds: number; log: string; error?: string }[];
}

export function labDown(opts: LabDownOptions = {}): Promise<LabDownResult> {
  const progress = opts.progress ?? (() => undefined);
  return withLabLock('lab down', async () => {
    const started = Date.now();
    mkdirSync(labPaths.logs, { recursive: true });
    const results: LabDownResult['steps'] = [];
    for (const step of (await labSteps()).reverse()) {
      const ctx = stepContext(step, started, progress);
      appendFileSync(ctx.logFile, `\n=== lab down ${new Date().toISOString()} ===\n`);
      const t0 = Date.now();
      try {
        await step.teardown(ctx);
        results.push({ name: step.name, seconds: (Date.now() - t0) / 1000, log: ctx.logFile });
        ctx.progress(`${step.name}: removed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        appendFileSync(ctx.logFile, `# FAILED: ${error}\n`);
        results.push({ name: step.name, seconds: (Date.now() - t0) / 1000, log: ctx.logFile, error });
        ctx.progress(`${step.name}: teardown FAILED: ${error} (read ${ctx.logFile})`);
      }
    }
    rmSync(join(labPaths.root, 'nodes'), { recursive: true, force: true });
    rmSync(labPaths.uts, { recursive: true, force: true });
    rmSync(join(labPaths.root, 'bin'), { recursive: true, force: true });
    rmSync(join(labPaths.ssh, 'known_hosts'), { force: true });
    // Host keys `trove-ha provision` pinned for ha1/ha2 (environments/lab.yaml): gone with their servers.
    rmSync(join(labPaths.ssh, 'known_hosts.provisioned'), { force: true });
    const seconds = (Date.now() - started) / 1000;
    const ok = results.every((r) => !r.error);
    progress(`lab down: ${ok ? 'done' : 'finished with errors'} in ${seconds.toFixed(1)} s`);
    return { ok, seconds, steps: results };
  }).then((r) => {
    if (opts.purge) rmSync(labPaths.root, { recursive: true, force: true });
    const failed = r.steps.filter((s) => s.error);
    if (failed.length) throw new LabError(`lab down: teardown failed in ${failed.map((s) => `${s.name} (read ${s.log})`).join(', ')}`, r);
    return r;
  });
}
