// Drives mocha programmatically with allure-mocha, because .mocharc.yml cannot
// carry allure-mocha's nested options (environment info, categories). The spec
// reporter shows progress on the terminal; xunit writes JUnit XML for CI.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import AllureMochaReporter from 'allure-mocha';
import type { Environment } from '../env/schema.ts';
import { CATEGORIES } from './categories.ts';
import { RUN_ENV_VARS } from './run-context.ts';
import { LEAK_AUDIT_SPEC, specFiles, type SuiteDef } from './suites.ts';
import { reportPaths } from './allure-report.ts';

export interface SuiteRunOptions {
  env: Environment;
  envFile: string;
  suites: SuiteDef[];
  runId: string;
  reportsRoot: string;
  grep?: string;
  bail?: boolean;
  /** Last-resort per-test bound; every wait inside a test has its own, smaller one. */
  testTimeoutMs?: number;
  /** Extra facts for the report's environment panel (harness version, git commit...). */
  extraInfo?: Record<string, string>;
  /** Print the spec reporter's progress on the terminal (default true). */
  terminal?: boolean;
  /** Spec files to run instead of the suites' own (used by the harness's tests). */
  files?: string[];
}

export interface SuiteRunOutcome {
  runId: string;
  runDir: string;
  resultsDir: string;
  junitFile: string;
  files: string[];
  tests: number;
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
}

export async function runSuites(opts: SuiteRunOptions): Promise<SuiteRunOutcome> {
  const runDir = join(opts.reportsRoot, opts.runId);
  const { resultsDir } = reportPaths(opts.reportsRoot, opts.runId);
  const junitFile = join(runDir, 'junit.xml');
  mkdirSync(resultsDir, { recursive: true });

  const suiteFiles = opts.files ?? opts.suites.flatMap((s) => specFiles(s));
  if (suiteFiles.length === 0) {
    throw new Error(`no spec files for suite(s) ${opts.suites.map((s) => s.name).join(', ')} (looked for suites/<suite>/**/*.spec.ts)`);
  }
  // The leak audit closes every real run (not the harness's own test runs, which pass files).
  const files = opts.files ? suiteFiles : [...suiteFiles, LEAK_AUDIT_SPEC];

  // Specs learn which site and run they belong to from these variables.
  process.env[RUN_ENV_VARS.envFile] = opts.envFile;
  process.env[RUN_ENV_VARS.runId] = opts.runId;
  process.env[RUN_ENV_VARS.runDir] = runDir;

  const environmentInfo: Record<string, string> = {
    'Environment': opts.env.name,
    'Environment file': opts.envFile,
    'Keystone': opts.env.keystone.url,
    'Region': opts.env.keystone.region,
    'Destructive': String(opts.env.destructive),
    'Run id': opts.runId,
    'Suites': opts.suites.map((s) => s.name).join(', '),
    'Node.js': process.version,
    ...opts.extraInfo,
  };

  const mocha = new Mocha({
    reporter: AllureMochaReporter as unknown as Mocha.ReporterConstructor,
    reporterOptions: {
      resultsDir,
      environmentInfo,
      categories: CATEGORIES,
      extraReporters: [...(opts.terminal === false ? [] : [['spec']]), ['xunit', { output: junitFile, suiteName: `trove-ha ${opts.env.name} ${opts.runId}` }]],
    },
    timeout: opts.testTimeoutMs ?? 30 * 60_000,
    bail: opts.bail ?? false,
    ...(opts.grep ? { grep: opts.grep } : {}),
  });
  mocha.files = files;
  await mocha.loadFilesAsync();

  const started = Date.now();
  const stats = await new Promise<Mocha.Stats>((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats ?? ({} as Mocha.Stats)));
  });
  mocha.dispose();
  return {
    runId: opts.runId,
    runDir,
    resultsDir,
    junitFile,
    files,
    tests: stats.tests ?? 0,
    passes: stats.passes ?? 0,
    failures: stats.failures ?? 0,
    pending: stats.pending ?? 0,
    durationMs: Date.now() - started,
  };
}
