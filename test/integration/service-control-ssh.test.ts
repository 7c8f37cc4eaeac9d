// ServiceControl end to end: a real supervisord managed over a real sshd on
// loopback, through the Remote executor, as the harness drives a lab node.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Remote } from '../../lib/remote/index.ts';
import { SupervisorDriver } from '../../lib/topology/drivers/supervisor.ts';
import { ServiceControl, ServiceControlError } from '../../lib/topology/service-control.ts';
import { ensurePrivsepDir, startSshd, type Sshd } from '../support/sshd.ts';
import { generateKey, opensshFingerprint } from '../support/ssh-keys.ts';
import { startSupervisord, type Supervisord } from '../support/supervisord.ts';
import { testEnvironment } from '../support/test-environment.ts';

describe('ServiceControl over a real sshd and supervisord', function () {
  this.timeout(60_000);
  let dir = '';
  let sshd: Sshd | undefined;
  let supervisord: Supervisord | undefined;
  let removePrivsepDir: (() => void) | undefined;
  let remote: Remote | undefined;
  let control: ServiceControl;

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('these tests start /usr/sbin/sshd, which needs root; run them as root');
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-svc-'));
    removePrivsepDir = ensurePrivsepDir();
    const key = join(dir, 'id_ed25519');
    sshd = await startSshd({ dir: join(dir, 'sshd'), address: '127.0.0.1', hostKeyTypes: ['ed25519'], authorizedKeys: generateKey(key, 'ed25519') });
    supervisord = startSupervisord(dir, {
      web: 'sleep 1000',
      // Writes its own pid file, for the signal driver.
      worker: `sh -c 'echo $$ > ${dir}/worker.pid; exec sleep 1001'`,
    });
    await supervisord.ready();
    const env = testEnvironment({
      ssh: { user: 'root', privateKey: { file: key }, hostKey: { fingerprint: opensshFingerprint(sshd.hostKeys.ed25519!.publicFile) } },
      nodes: { node1: { address: '127.0.0.1', ssh: { port: sshd.port } } },
      services: {
        web: { driver: 'supervisor', instances: { node1: { unit: 'web' } } },
        worker: { driver: 'signal', instances: { node1: { unit: 'sleep', pidFile: `${dir}/worker.pid` } } },
      },
      timeouts: { sshConnectMs: 5000, sshCommandMs: 20_000 },
    });
    remote = new Remote(env);
    control = new ServiceControl(env, remote, { drivers: { supervisor: new SupervisorDriver(supervisord.ctl) } });
    await waitFor(async () => (await control.status('web', 'node1')).running && (await control.status('worker', 'node1')).running);
  });

  after(async () => {
    await remote?.close();
    await Promise.allSettled([supervisord?.stop(), sshd?.stop()]);
    removePrivsepDir?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads status and main pid, and the pid is the real process', async () => {
    const status = await control.status('web', 'node1');
    assert.equal(status.running, true);
    assert.equal(status.state, 'RUNNING');
    const comm = await remote!.exec('node1', `cat /proc/${status.mainPid}/comm`);
    assert.equal(comm.stdout, 'sleep\n');
  });

  it('kills the main process with KILL; supervisord restarts it with a new pid', async () => {
    const before = await control.mainPid('web', 'node1');
    await control.kill('web', 'node1', 'KILL');
    await waitFor(async () => {
      const pid = await control.mainPid('web', 'node1');
      return pid !== null && pid !== before;
    });
  });

  it('stops, refuses to kill a stopped program, starts and restarts', async () => {
    await control.stop('web', 'node1');
    assert.deepEqual(await control.status('web', 'node1'), { running: false, mainPid: null, state: 'STOPPED' });
    await assert.rejects(control.kill('web', 'node1'), (error: unknown) => error instanceof ServiceControlError && /supervisor program web is not running \(pid: 0\)/.test(error.message));
    await control.stop('web', 'node1'); // idempotent
    await control.start('web', 'node1');
    const first = await control.mainPid('web', 'node1');
    assert.ok(first);
    await control.restart('web', 'node1');
    const second = await control.mainPid('web', 'node1');
    assert.ok(second && second !== first);
  });

  it('freezes and thaws a process through its pid file (signal driver)', async () => {
    const pid = await control.mainPid('worker', 'node1');
    assert.ok(pid);
    const state = async () => (await remote!.exec('node1', `ps -o stat= -p ${pid}`)).stdout.trim()[0];
    await control.kill('worker', 'node1', 'STOP');
    await waitFor(async () => (await state()) === 'T');
    await control.kill('worker', 'node1', 'CONT');
    await waitFor(async () => (await state()) === 'S');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}
