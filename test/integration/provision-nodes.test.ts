// Pushing the rendered haproxy.cfg and keepalived.conf to a node over a real
// sshd on loopback: checked there by the real `haproxy -c` and `keepalived -t`,
// installed, and the services reloaded through the environment's service
// control (supervisor programs here; the daemons themselves are not started:
// binding the trove-mgmt VIPs needs the node's own network namespace).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../lib/env/schema.ts';
import { changeContext, countChanges } from '../../lib/provision/change.ts';
import { ConfigCheckError, ensureNodeFile, provisionNodes } from '../../lib/provision/push-configs.ts';
import { renderHaproxyConfig } from '../../lib/provision/render-haproxy.ts';
import { renderKeepalivedConfig } from '../../lib/provision/render-keepalived.ts';
import { Remote } from '../../lib/remote/index.ts';
import { SupervisorDriver } from '../../lib/topology/drivers/supervisor.ts';
import { ServiceControl } from '../../lib/topology/service-control.ts';
import { ensurePrivsepDir, startSshd, type Sshd } from '../support/sshd.ts';
import { generateKey, opensshFingerprint } from '../support/ssh-keys.ts';
import { startSupervisord, type Supervisord } from '../support/supervisord.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';

describe('provision: haproxy/keepalived configs pushed over SSH', function () {
  this.timeout(60_000);
  let dir = '';
  let sshd: Sshd | undefined;
  let supervisord: Supervisord | undefined;
  let removePrivsepDir: (() => void) | undefined;
  let remote: Remote | undefined;
  let control: ServiceControl;
  let env: Environment;
  const haproxyPath = () => join(dir, 'node', 'haproxy', 'haproxy.cfg');
  const keepalivedPath = () => join(dir, 'node', 'keepalived', 'keepalived.conf');
  const pids = async () => [await control.mainPid('haproxy', 'ha1'), await control.mainPid('keepalived', 'ha1')];
  const provision = async (dryRun: boolean) => {
    const ctx = changeContext(dryRun);
    const t0 = Date.now();
    await provisionNodes(ctx, env, remote!, control);
    process.stdout.write(`      ${dryRun ? 'dry run' : 'run'}: ${JSON.stringify(countChanges(ctx.changes))} in ${Date.now() - t0} ms\n`);
    return ctx.changes;
  };

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('these tests start /usr/sbin/sshd, which needs root; run them as root');
    dir = mkdtempSync(join(tmpdir(), 'provision-nodes-'));
    removePrivsepDir = ensurePrivsepDir();
    const key = join(dir, 'id_ed25519');
    sshd = await startSshd({ dir: join(dir, 'sshd'), address: '127.0.0.1', hostKeyTypes: ['ed25519'], authorizedKeys: generateKey(key, 'ed25519') });
    // Stand-ins for the two daemons: what is checked is that the provisioner reloads them (new pid).
    supervisord = startSupervisord(dir, { 'haproxy-ha1': 'sleep 1000', 'keepalived-ha1': 'sleep 1001' });
    await supervisord.ready();
    // One node (ha1), reached on loopback.
    env = labEnvWithProvision(
      {
        ...labProvisionSection(),
        clusters: [{ members: [{ node: 'ha1' }], networks: ['trove-mgmt1', 'trove-mgmt2', 'trove-mgmt3'] }],
        haproxy: { log: 'stdout', configPath: haproxyPath(), nonlocalBind: false },
        // keepalived -t insists the interfaces exist: check in a fresh network namespace that has eth1-3 (gone with the check).
        keepalived: {
          configPath: keepalivedPath(),
          checkCommand: `unshare --net sh -c 'for i in 1 2 3; do ip link add eth$i type veth peer name peer$i || exit 9; done; exec keepalived -t -f "$0"'`,
        },
      },
      (raw) => {
        raw.ssh = { user: 'root', privateKey: { file: key }, hostKey: { fingerprint: opensshFingerprint(sshd!.hostKeys.ed25519!.publicFile) } };
        raw.nodes.ha1 = { address: '127.0.0.1', roles: ['mgmt-proxy'], ssh: { port: sshd!.port } };
        raw.services.haproxy.instances.ha1 = { unit: 'haproxy-ha1' };
        raw.services.keepalived.instances.ha1 = { unit: 'keepalived-ha1' };
      },
    );
    remote = new Remote(env);
    control = new ServiceControl(env, remote, { drivers: { supervisor: new SupervisorDriver(supervisord.ctl) } });
    for (let i = 0; !(await pids()).every((p) => p !== null); i++) {
      if (i > 100) throw new Error('supervisor programs did not start in 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await remote?.close();
    await Promise.allSettled([supervisord?.stop(), sshd?.stop()]);
    removePrivsepDir?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a dry run plans both files and writes nothing', async () => {
    const changes = await provision(true);
    assert.deepEqual(changes.map((c) => c.action), ['create', 'create']);
    assert.equal(existsSync(haproxyPath()), false);
  });

  it('the first run writes, checks and installs both files and reloads both services', async () => {
    const before = await pids();
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.detail]), [
      ['create', 'new file; checked, installed, reloaded'],
      ['create', 'new file; checked, installed, reloaded'],
    ]);
    assert.equal(readFileSync(haproxyPath(), 'utf8'), renderHaproxyConfig(env, 'ha1'));
    assert.equal(readFileSync(keepalivedPath(), 'utf8'), renderKeepalivedConfig(env, 'ha1'));
    const after = await pids();
    assert.notEqual(after[0], before[0], 'haproxy restarted');
    // keepalived got HUP; the stand-in dies of it and supervisor starts a new one.
    for (let i = 0; (await pids())[1] === before[1] || (await pids())[1] === null; i++) {
      if (i > 100) throw new Error('keepalived stand-in was not signalled');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('a second run changes nothing and reloads nothing', async () => {
    const before = await pids();
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => c.action), ['unchanged', 'unchanged']);
    assert.deepEqual(await pids(), before);
  });

  it('a hand edit on the node is put back', async () => {
    writeFileSync(keepalivedPath(), readFileSync(keepalivedPath(), 'utf8').replace('virtual_router_id 52', 'virtual_router_id 51'));
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.object.split(':')[0]]), [
      ['unchanged', 'haproxy config ha1'],
      ['update', 'keepalived config ha1'],
    ]);
    assert.match(readFileSync(keepalivedPath(), 'utf8'), /virtual_router_id 52/);
  });

  it('a config the real haproxy -c refuses is not installed, and the error carries its output', async () => {
    const ctx = changeContext(false);
    const good = readFileSync(haproxyPath(), 'utf8');
    const reloads: string[] = [];
    const bad = { node: 'ha1', kind: 'haproxy', path: haproxyPath(), content: `${good}\nlisten broken\n    bind 198.18.10.5:notaport\n`, checkCommand: 'haproxy -c -f', reload: async () => void reloads.push('reload') };
    await assert.rejects(ensureNodeFile(ctx, remote!, bad), (e: unknown) => e instanceof ConfigCheckError && /refused by `haproxy -c -f`/.test(e.message) && /notaport/.test(e.message));
    assert.equal(readFileSync(haproxyPath(), 'utf8'), good);
    assert.equal(existsSync(`${haproxyPath()}.trove-ha-new`), false);
    assert.deepEqual(reloads, []);
  });
});
