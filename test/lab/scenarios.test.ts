// The fault scenarios (suites/ha) against the lab, through the harness's own
// command line as an operator runs them: every scenario passes, its figures are
// in the report, and the fault journal is left with nothing open.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { journalPath, readJournal } from '../../lib/faults/journal.ts';
import { waitUntil } from '../../lib/harness/wait.ts';
import { proxyNamespace } from '../../lab/steps/proxies.ts';
import { ensureLabUp, say } from './support.ts';

const bin = join(PROJECT_ROOT, 'bin/trove-ha.js');

describe('fault scenarios against the lab', function () {
  this.timeout(40 * 60_000);
  before(async function () {
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

  it('a harness killed with SIGKILL in the middle of a fault leaves it in the journal, and `trove-ha heal` undoes it', async () => {
    const state = mkdtempSync(join(tmpdir(), 'trove-ha-state-'));
    const reports = mkdtempSync(join(tmpdir(), 'trove-ha-lab-killed-'));
    const journal = join(state, basename(journalPath('lab')));
    const env = { ...process.env, TROVE_HA_STATE_DIR: state };
    const child = spawn(process.execPath, [bin, 'run', '--env', 'lab', '--suite', 'ha', '--grep', 'VIP trove-mgmt1 .* fails: stop', '--reports', reports, '--no-report'], { env, detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitUntil('the scenario to journal its fault', async () => ({ done: readJournal(journal).some((e) => !e.healed) }), { timeoutMs: 120_000, intervalMs: 100 });
    // Kill it while the fault is in effect: keepalived stopped on the VIP's holder.
    const holder = String(readJournal(journal).find((e) => !e.healed)!.inverse.action.node);
    await waitUntil(`keepalived to be stopped on ${holder}`, async () => {
      // ha1/ha2 are lab cloud servers: their namespace is vm-<server id>.
      const r = spawnSync('ip', ['netns', 'exec', proxyNamespace(holder) ?? holder, 'supervisorctl', 'status', 'keepalived'], { encoding: 'utf8' });
      return { done: /STOPPED/.test(r.stdout), seen: r.stdout.trim() };
    }, { timeoutMs: 60_000, intervalMs: 200 });
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const open = readJournal(journal).filter((e) => !e.healed);
    assert.equal(open.length, 1, 'the killed run left exactly its one fault open');
    say(`left open by the killed harness: ${open[0]!.kind} on ${open[0]!.target}; inverse: ${open[0]!.inverse.description}`);

    const t0 = Date.now();
    const heal = spawnSync(process.execPath, [bin, 'heal', '--env', 'lab'], { encoding: 'utf8', env, timeout: 5 * 60_000 });
    say(`trove-ha heal: exit ${heal.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(heal.status, 0, `${heal.stdout}\n${heal.stderr}`);
    assert.match(heal.stdout, /every fault was undone and the site is healthy/);
    assert.deepEqual(readJournal(journal).filter((e) => !e.healed), []);
  });
});
