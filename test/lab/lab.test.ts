// The embedded lab, end to end (issue 3): a cold `lab up`, an idempotent second
// one, `lab status`, the harness's own sanity suite against it (through
// lib/remote and lib/openstack, over SSH and the network, as for any site), and
// `lab down` twice in a row leaving nothing behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, labDown, labStatus, type LabUpResult } from '../../lab/index.ts';
import { nodes } from '../../lab/plan.ts';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { assertNothingLeft, coldLabUp, labTouched, quiet } from './support.ts';

describe('embedded lab', function () {
  this.timeout(20 * 60_000);
  let cold: LabUpResult;

  before(async function () {
    assert.equal(process.getuid?.(), 0, 'the lab tests build network namespaces and must run as root');
    cold = await coldLabUp((l) => process.stdout.write(`      lab up ${l}\n`));
  });
  // No `after`: the lab stays up for the next lab test file (trove.test.ts); the
  // root-level hook in support.ts takes it down once at the end and checks it.

  it('comes up cold, step by step', () => {
    assert.ok(cold.ok, JSON.stringify(cold.failed));
    assert.ok(cold.steps.every((s) => s.action === 'applied'), cold.steps.map((s) => `${s.name}: ${s.action}`).join(', '));
    process.stdout.write(`      cold lab up: ${cold.seconds.toFixed(1)} s (${cold.steps.map((s) => `${s.name} ${s.seconds.toFixed(1)}`).join(', ')})\n`);
  });

  it('a second lab up changes nothing and says so', async () => {
    const again = await labUp({ progress: quiet });
    assert.deepEqual(again.steps.map((s) => [s.name, s.action]), cold.steps.map((s) => [s.name, 'nothing to do']));
  });

  it('lab status reports every node, service and cluster healthy', async () => {
    const status = await labStatus({ progress: quiet });
    assert.ok(status.up && status.healthy, status.problems.join('\n'));
    for (const n of nodes) assert.ok(Array.isArray(status.services[n.name]), `${n.name}: ${String(status.services[n.name])}`);
  });

  it('passes the sanity suite through the harness (SSH, Keystone, Swift, Galera, RabbitMQ, VIPs, HAProxy, guest path)', () => {
    const reports = mkdtempSync(join(tmpdir(), 'trove-ha-lab-sanity-'));
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/trove-ha.js'), 'run', '--env', 'lab', '--suite', 'sanity', '--reports', reports, '--no-report'], { encoding: 'utf8', timeout: 10 * 60_000 });
    const [runId] = readdirSync(reports).filter((d) => /^\d{8}-/.test(d));
    const junit = runId ? readFileSync(join(reports, runId, 'junit.xml'), 'utf8') : '';
    const failuresText = [...junit.matchAll(/<testcase [^>]*name="([^"]+)"[^>]*>\s*<failure>([^<]{0,600})/g)].map((m) => `- ${m[1]}: ${m[2]}`).join('\n');
    assert.equal(r.status, 0, `sanity suite failed (exit ${r.status}):\n${failuresText || r.stderr.slice(-2000)}`);
    assert.doesNotMatch(junit, /skipped="[1-9]/, 'a sanity check was skipped on the lab, which declares every section');
    assert.match(junit, /tests="(\d{2,})"/);
  });

  it('lab down removes everything, twice in a row, and the lab comes back after', async () => {
    labTouched();
    await labDown({ progress: quiet });
    assertNothingLeft();
    await labDown({ progress: quiet });
    assertNothingLeft();
    const second = await labUp({ progress: quiet });
    assert.ok(second.ok, JSON.stringify(second.failed));
    process.stdout.write(`      second cold lab up: ${second.seconds.toFixed(1)} s\n`);
    const status = await labStatus({ progress: quiet });
    assert.ok(status.healthy, status.problems.join('\n'));
    // Left up for trove.test.ts; support.ts's root `after` takes it down and checks again.
  });
});
