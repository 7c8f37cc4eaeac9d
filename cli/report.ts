// `trove-ha report [run-id]`: (re)generate the Allure report of a run, by
// default the newest one under reports/.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../lib/env/errors.ts';
import { RUN_ID_PATTERN } from '../lib/runner/run-id.ts';
import { generateAllureReport, reportPaths } from '../lib/runner/allure-report.ts';
import { progressPrinter } from './progress.ts';

export async function reportCommand(runId: string | undefined, opts: { reports: string }): Promise<number> {
  const runs = existsSync(opts.reports) ? readdirSync(opts.reports).filter((d) => RUN_ID_PATTERN.test(d)).sort() : [];
  const id = runId ?? runs[runs.length - 1];
  if (!id) throw new ConfigError(`${opts.reports}: no runs found; run \`trove-ha run\` first`);
  if (!existsSync(join(opts.reports, id))) throw new ConfigError(`${join(opts.reports, id)}: no such run; known runs: ${runs.slice(-5).join(', ') || 'none'}`);
  await generateAllureReport(reportPaths(opts.reports, id), `trove-ha ${id}`, progressPrinter());
  return 0;
}
