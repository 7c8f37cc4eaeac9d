// `trove-ha run`: load and check the environment, refuse unsafe suites, run the
// selected suites under mocha + allure-mocha, write JUnit, generate the report.
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadEnvironment } from '../lib/env/load.ts';
import { ConfigError } from '../lib/env/errors.ts';
import { newRunId, RUN_ID_PATTERN } from '../lib/runner/run-id.ts';
import { selectSuites, refuseUnsafe, PROJECT_ROOT } from '../lib/runner/suites.ts';
import { runSuites } from '../lib/runner/mocha-run.ts';
import { generateAllureReport, reportPaths } from '../lib/runner/allure-report.ts';
import { EXIT } from './exit.ts';
import { progressPrinter } from './progress.ts';

export interface RunCommandOptions {
  env: string;
  suite: string[];
  grep?: string;
  runId?: string;
  reports: string;
  bail?: boolean;
  report: boolean;
  withLab?: boolean;
}

export async function runCommand(opts: RunCommandOptions): Promise<number> {
  const progress = progressPrinter();
  // Everything that can be wrong with the input is checked before anything runs.
  const { env, file } = loadEnvironment(opts.env);
  const suites = selectSuites(opts.suite);
  refuseUnsafe(suites, env, file);
  if (opts.runId && !RUN_ID_PATTERN.test(opts.runId)) throw new ConfigError(`--run-id ${opts.runId}: expected the form 20261121-231501-a3f9`);
  if (opts.withLab && env.name !== 'lab') throw new ConfigError(`--with-lab builds the embedded lab; it cannot be used with environment "${env.name}"`);
  const runId = opts.runId ?? newRunId();

  let labDown: (() => Promise<void>) | undefined;
  if (opts.withLab) {
    const lab = await import('../lab/index.ts');
    labDown = async () => {
      progress('lab: tearing the embedded lab down');
      await lab.labDown({ progress: progressPrinter('lab: ') });
    };
    progress('lab: bringing the embedded lab up');
    try {
      await lab.labUp({ progress: progressPrinter('lab: ') });
    } catch (e) {
      // A half-built lab is still a lab: --with-lab promises it is down afterwards.
      await labDown().catch((down) => progress(`lab: tearing down after the failed lab up failed too: ${(down as Error).message}`));
      throw e;
    }
  }

  try {
    progress(`run ${runId}: environment ${env.name} (${file}), suites ${suites.map((s) => s.name).join(', ')}`);
    const outcome = await runSuites({
      env,
      envFile: file,
      suites,
      runId,
      reportsRoot: opts.reports,
      grep: opts.grep,
      bail: opts.bail,
      extraInfo: harnessInfo(),
    });
    progress(`run ${runId}: ${outcome.passes} passed, ${outcome.failures} failed, ${outcome.pending} pending in ${(outcome.durationMs / 1000).toFixed(0)} s; JUnit ${outcome.junitFile}`);
    if (opts.report) {
      progress('report: generating the Allure report');
      await generateAllureReport(reportPaths(opts.reports, runId), `trove-ha ${env.name} ${runId}`, progress);
    }
    return outcome.failures > 0 ? EXIT.testFailures : EXIT.ok;
  } finally {
    await labDown?.();
  }
}

function harnessInfo(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  return { 'Harness version': pkg.version, 'Harness commit': commit };
}
