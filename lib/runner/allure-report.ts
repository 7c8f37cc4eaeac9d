// Turns a run's allure-results into the Allure 3 report: one self-contained HTML
// file under reports/<run-id>/, with history kept in reports/history.jsonl so
// nightly runs show trends. Uses the npm `allure` package (no Java).
import { writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { CATEGORIES } from './categories.ts';

const require = createRequire(import.meta.url);

export interface ReportPaths {
  resultsDir: string;
  reportDir: string;
  configFile: string;
  historyFile: string;
}

export function reportPaths(reportsRoot: string, runId: string): ReportPaths {
  const runDir = join(reportsRoot, runId);
  return {
    resultsDir: join(runDir, 'allure-results'),
    reportDir: join(runDir, 'report'),
    configFile: join(runDir, 'allurerc.mjs'),
    historyFile: join(reportsRoot, 'history.jsonl'),
  };
}

export async function generateAllureReport(paths: ReportPaths, reportName: string, log: (l: string) => void = () => {}): Promise<string> {
  if (!existsSync(paths.resultsDir) || readdirSync(paths.resultsDir).length === 0) {
    throw new Error(`no Allure results in ${paths.resultsDir}: did the run execute any test?`);
  }
  writeFileSync(
    paths.configFile,
    `export default ${JSON.stringify(
      {
        name: reportName,
        output: paths.reportDir,
        historyPath: paths.historyFile,
        categories: CATEGORIES,
        plugins: { awesome: { options: { singleFile: true, reportLanguage: 'en', reportName } } },
      },
      null,
      2,
    )};\n`,
  );
  // The package exports only its API; its CLI sits next to dist/.
  const cli = join(dirname(require.resolve('allure')), '..', 'cli.js');
  const argv = [cli, 'generate', '--config', paths.configFile, paths.resultsDir];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', CI: process.env.CI ?? '' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 1, output }));
  });
  if (code !== 0) throw new Error(`allure generate failed (exit ${code}):\n${output.trim().split('\n').slice(-10).join('\n')}`);
  const index = join(paths.reportDir, 'index.html');
  if (!existsSync(index)) throw new Error(`allure generate finished but ${index} is missing:\n${output.trim()}`);
  log(`report: ${index}`);
  return index;
}
