// `trove-ha provision` as an operator runs it, against the lab cloud behind a
// real Keystone on loopback (OpenStack part only: --no-nodes, so nothing but
// loopback is contacted): plan, first run, second run with no change, lint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { seedBootRefs, startLoopbackCloud, type LoopbackCloud } from '../support/loopback-cloud.ts';
import { adminCliEnv, openstackCli, runner } from '../support/openstack-cli.ts';
import { labProvisionSection } from '../support/provision-env.ts';
import { generateKey } from '../support/ssh-keys.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('trove-ha provision (CLI) against the lab cloud on loopback', function () {
  this.timeout(180_000);
  let lc: LoopbackCloud;
  let envFile = '';
  const run = runner(() => adminCliEnv(lc.keystone, lc.dir), () => lc.dir);
  const { os } = openstackCli(run);

  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; ms: number }>((resolve, reject) => {
      const t0 = Date.now();
      const p = spawn(process.execPath, [join(ROOT, 'bin/trove-ha.js'), 'provision', '--env', envFile, '--no-nodes', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr.on('data', (c: Buffer) => (out += c.toString()));
      p.on('error', reject);
      p.on('close', (code) => {
        const ms = Date.now() - t0;
        process.stdout.write(`      $ trove-ha provision ${args.join(' ')} --no-nodes -> exit ${code} in ${ms} ms: ${out.trim().split('\n').pop()}\n`);
        resolve({ code, out, ms });
      });
    });

  before(async () => {
    lc = await startLoopbackCloud(labProvisionSection());
    await seedBootRefs(lc.admin, generateKey(join(lc.dir, 'id'), 'ed25519'));
    // The environment file an operator would write: lab.yaml, keystone pointed at this Keystone.
    const raw = parse(readFileSync(join(ROOT, 'environments/lab.yaml'), 'utf8')) as Record<string, any>;
    raw.keystone.url = lc.env.keystone.url;
    raw.keystone.admin = lc.env.keystone.admin;
    raw.keystone.tenant = lc.env.keystone.tenant;
    raw.provision = labProvisionSection();
    envFile = join(lc.dir, 'loopback.yaml');
    writeFileSync(envFile, stringify(raw));
  });
  after(async () => lc?.stop());

  it('--dry-run prints the plan, exit 0, and creates nothing', async () => {
    const r = await cli('--dry-run');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /would create +network trove-mgmt1: shared/);
    assert.match(r.out, /would create +server ha2: image haproxy-node/);
    assert.match(r.out, /plan: 22 to create, 0 to update, 0 unchanged, 0 drift/);
  });

  it('the first run creates everything and lints clean; the second changes nothing', async () => {
    const first = await cli();
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /provision: 22 created, 0 updated, 0 unchanged, 0 drift; lint: 0 of 15 findings failing/);
    assert.match(first.out, /keepalived VRRP checks skipped/);
    const second = await cli();
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /provision: 0 created, 0 updated, 19 unchanged, 0 drift/);
  });

  it('--lint-only exits 1 and names the port when a VIP is missing from its allowed-address-pairs', async () => {
    await os('port', 'set', '--no-allowed-address', 'ha1-trove-mgmt2');
    const r = await cli('--lint-only');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /FAIL lint\.allowed-address-pairs \[port ha1-trove-mgmt2 of ha1 on trove-mgmt2 \([0-9a-f-]+\)\]: VIP 198\.18\.11\.5 is missing/);
  });
});
