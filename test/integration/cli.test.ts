// The trove-ha command as an operator meets it: exit codes and messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';

function troveHa(...args: string[]) {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/trove-ha.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('trove-ha command line', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'trove-ha-cli-'));

  it('lint-env accepts the shipped environment files', () => {
    const r = troveHa('lint-env');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok: .*lab\.yaml \(lab: 9 nodes/);
    assert.match(r.stdout, /ok: .*staging\.example\.yaml \(staging:/);
  });

  it('a broken environment file: one line per problem, exit 2', () => {
    const bad = join(dir, 'broken.yaml');
    writeFileSync(bad, readFileSync(join(PROJECT_ROOT, 'environments/lab.yaml'), 'utf8').replace('destructive: true', 'destructive: maybe').replace('address: 198.18.0.12', 'address: ctl2.example'));
    const r = troveHa('lint-env', bad);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, new RegExp(`^error: ${bad}:\\d+: destructive: expected boolean, got string "maybe"$`));
    assert.match(lines[1]!, new RegExp(`^error: ${bad}:\\d+: nodes\\.ctl2\\.address: an IPv4 address like 198\\.18\\.0\\.10$`));
  });

  it('run with a broken environment does nothing and exits 2', () => {
    const bad = join(dir, 'broken-run.yaml');
    writeFileSync(bad, 'name: x\n');
    const reports = join(dir, 'reports-broken');
    const r = troveHa('run', '--env', bad, '--suite', 'sanity', '--reports', reports);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /destructive: is missing; expected boolean/);
    assert.equal(spawnSync('ls', [reports]).status, 2, 'no report directory was created');
  });

  it('refuses a fault suite on a site not marked destructive, exit 2', () => {
    const r = troveHa('run', '--env', join(PROJECT_ROOT, 'environments/staging.example.yaml'), '--suite', 'ha');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environment "staging" is not marked destructive, so the fault suite ha will not run against it/);
  });

  it('an unknown option is a usage error, exit 2', () => {
    const r = troveHa('run', '--env', 'lab', '--frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--frobnicate'/);
  });

  it('heal with an empty journal says there is nothing to undo', () => {
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/trove-ha.js'), 'heal', '--env', 'lab'], { encoding: 'utf8', env: { ...process.env, TROVE_HA_STATE_DIR: dir } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /no open faults in .*fault-journal-lab\.jsonl; nothing to undo/);
  });
});
