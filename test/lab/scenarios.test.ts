// The fault scenarios (suites/ha) against the lab, through the harness's own
// command line as an operator runs them: every scenario passes, its figures are
// in the report, and the fault journal is left with nothing open.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { journalPath, readJournal } from '../../lib/faults/journal.ts';
import { ensureLabUp, say } from './support.ts';

describe('fault scenarios against the lab', function () {
  this.timeout(40 * 60_000);
  before(async () => {
    await ensureLabUp();
  });

  it('trove-ha run --suite ha passes, reports figures for every scenario, leaves no open fault', () => {
    const reports = mkdtempSync(join(tmpdir(), 'trove-ha-lab-ha-'));
    const state = mkdtempSync(join(tmpdir(), 'trove-ha-state-'));
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/trove-ha.js'), 'run', '--env', 'lab', '--suite', 'ha', '--reports', reports, '--no-report'], {
      encoding: 'utf8',
      timeout: 35 * 60_000,
      env: { ...process.env, TROVE_HA_STATE_DIR: state },
    });
    const [runId] = readdirSync(reports).filter((d) => /^\d{8}-/.test(d));
    assert.ok(runId, `no run directory: ${r.stderr.slice(-2000)}`);
    const results = join(reports, runId, 'allure-results');
    const junit = readFileSync(join(reports, runId, 'junit.xml'), 'utf8');
    const failuresText = [...junit.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*>\s*<failure>([^<]{0,800})/g)].map((m) => `- ${m[1]}: ${m[2]}`).join('\n');

    // The measured figures, one line per scenario, into the test log.
    for (const f of readdirSync(results).filter((n) => n.endsWith('-attachment.json'))) {
      const j = JSON.parse(readFileSync(join(results, f), 'utf8')) as { fault?: string; figures?: Record<string, unknown> };
      if (j.fault && j.figures) say(`${j.fault}: ${JSON.stringify(j.figures)}`);
    }
    assert.equal(r.status, 0, `the ha suite failed (exit ${r.status}):\n${failuresText || r.stderr.slice(-2000)}`);
    assert.match(junit, / tests="(1\d|[2-9]\d)"/, 'fewer scenarios than the lab declares');
    const open = readJournal(join(state, basename(journalPath('lab')))).filter((e) => !e.healed);
    assert.deepEqual(open, [], 'faults left open in the journal');
  });
});
