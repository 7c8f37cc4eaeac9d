// Pushing the rendered haproxy.cfg and keepalived.conf to a node over a real
// sshd on loopback: checked there by the real `haproxy -c` and `keepalived -t`,
// installed, and put into effect through the environment's service control
// (supervisor programs here, stand-ins for the daemons: binding the trove-mgmt
// VIPs needs the node's own network namespace). The node starts as a fresh VM
// does: keepalived not running until it is configured.
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
  const hupLog = () => join(dir, 'keepalived-signals');
  const keepalivedPath = () => join(dir, 'node', 'keepalived', 'keepalived.conf');
  const pids = async () => [await control.mainPid('haproxy', 'ha1'), await control.mainPid('keepalived', 'ha1')];
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (let i = 0; !(await done()); i++) {
      if (i > 100) throw new Error(`not within 10 s: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
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
    // Stand-ins for the two daemons. keepalived's, like keepalived, survives SIGHUP (and notes it), and,
    // as on a fresh VM, waits to be started once configured; haproxy's runs from the start.
    const keepalived = `sh -c 'trap "echo HUP >> ${hupLog()}" HUP; while :; do sleep 0.2; done'`;
    supervisord = startSupervisord(dir, { 'haproxy-ha1': 'sleep 1000', 'keepalived-ha1': { command: keepalived, autostart: false } });
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
    await until('haproxy stand-in running', async () => (await pids())[0] !== null);
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

  it('on a fresh node (keepalived not running) the first run installs both files, restarts haproxy and starts keepalived', async () => {
    const before = await pids();
    assert.equal(before[1], null, 'keepalived stand-in not started yet');
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.detail]), [
      ['create', 'new file; checked, installed, restarted'],
      ['create', 'new file; checked, installed, started (was STOPPED)'],
    ]);
    assert.equal(readFileSync(haproxyPath(), 'utf8'), renderHaproxyConfig(env, 'ha1'));
    assert.equal(readFileSync(keepalivedPath(), 'utf8'), renderKeepalivedConfig(env, 'ha1'));
    const after = await pids();
    assert.notEqual(after[0], before[0], 'haproxy restarted');
    assert.notEqual(after[1], null, 'keepalived started');
  });

  it('a second run changes nothing, reloads nothing and finds both services running', async () => {
    const before = await pids();
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.object.split(':')[0]]), [
      ['unchanged', 'haproxy config ha1'],
      ['unchanged', 'service haproxy on ha1'],
      ['unchanged', 'keepalived config ha1'],
      ['unchanged', 'service keepalived on ha1'],
    ]);
    assert.deepEqual(await pids(), before);
  });

  it('a hand edit of keepalived.conf is put back and keepalived reloaded with SIGHUP, in the same process (it keeps its VIP)', async () => {
    const before = await pids();
    writeFileSync(keepalivedPath(), readFileSync(keepalivedPath(), 'utf8').replace('virtual_router_id 52', 'virtual_router_id 51'));
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.object.split(':')[0]]), [
      ['unchanged', 'haproxy config ha1'],
      ['unchanged', 'service haproxy on ha1'],
      ['update', 'keepalived config ha1'],
    ]);
    assert.equal(changes[2]!.detail, '1 lines differ; checked, installed, reloaded (SIGHUP)');
    assert.match(readFileSync(keepalivedPath(), 'utf8'), /virtual_router_id 52/);
    await until('the keepalived stand-in noted the SIGHUP', async () => existsSync(hupLog()) && readFileSync(hupLog(), 'utf8') === 'HUP\n');
    assert.deepEqual(await pids(), before, 'no restart');
  });

  it('after a reboot that started nothing, the unchanged files get their services started (a dry run only plans it), then a run changes nothing', async () => {
    await control.stop('haproxy', 'ha1');
    await control.stop('keepalived', 'ha1');
    const plan = await provision(true);
    assert.deepEqual(plan.filter((c) => c.action !== 'unchanged').map((c) => [c.action, c.object, c.detail]), [
      ['update', 'service haproxy on ha1', 'start (was STOPPED)'],
      ['update', 'service keepalived on ha1', 'start (was STOPPED)'],
    ]);
    assert.deepEqual(await pids(), [null, null], 'the dry run started nothing');
    const changes = await provision(false);
    assert.deepEqual(changes.map((c) => [c.action, c.object.split(':')[0], c.detail ?? '']), [
      ['unchanged', 'haproxy config ha1', ''],
      ['update', 'service haproxy on ha1', 'started (was STOPPED)'],
      ['unchanged', 'keepalived config ha1', ''],
      ['update', 'service keepalived on ha1', 'started (was STOPPED)'],
    ]);
    assert.ok((await pids()).every((p) => p !== null), 'both running');
    const again = await provision(false);
    assert.deepEqual([...new Set(again.map((c) => c.action))], ['unchanged']);
  });

  it('a changed haproxy.cfg for a stopped haproxy is installed and haproxy started (a restart would not start it)', async () => {
    await control.stop('haproxy', 'ha1');
    writeFileSync(haproxyPath(), readFileSync(haproxyPath(), 'utf8').replace('maxconn 4000', 'maxconn 3000'));
    const changes = await provision(false);
    assert.deepEqual(changes[0]!.action, 'update');
    assert.equal(changes[0]!.detail, '1 lines differ; checked, installed, started (was STOPPED)');
    assert.notEqual((await pids())[0], null);
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
