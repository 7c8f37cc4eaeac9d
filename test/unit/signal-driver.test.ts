// The signal driver's shell snippets, run for real in a local shell against a
// real process (no SSH needed to prove the shell is right).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignalDriver, parseSignalStatus } from '../../lib/topology/drivers/signal.ts';
import { UnsupportedOperationError, type ServiceInstanceRef } from '../../lib/topology/service-driver.ts';

const sh = (command: string) => {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('signal driver', () => {
  const driver = new SignalDriver();
  let dir = '';
  let child: ChildProcess | undefined;
  let instance: ServiceInstanceRef;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-signal-'));
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    instance = { node: 'local', unit: 'sleep', pidFile: join(dir, 'sleep.pid') };
    writeFileSync(instance.pidFile!, `${child.pid}\n`);
  });

  afterEach(() => {
    // Our own child, by its PID.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads running and the pid from the pid file', () => {
    assert.deepEqual(driver.parseStatus(instance, sh(driver.status(instance))), { running: true, mainPid: child!.pid, state: 'running' });
  });

  it('kills the pid from the pid file with the signal asked', async () => {
    const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
    assert.equal(sh(driver.kill(instance, 'TERM')).code, 0);
    assert.equal(await exited, 'SIGTERM');
    assert.deepEqual(driver.parseStatus(instance, sh(driver.status(instance))), { running: false, mainPid: null, state: 'stopped' });
  });

  it('refuses to kill when the pid file is missing, exiting 3 with a reason', () => {
    const missing = { ...instance, pidFile: join(dir, 'absent.pid') };
    const result = sh(driver.kill(missing, 'KILL'));
    assert.equal(result.code, 3);
    assert.match(result.stderr, /sleep \(pid file .*absent\.pid\) is not running \(pid: \)/);
    assert.deepEqual(driver.parseStatus(missing, sh(driver.status(missing))), { running: false, mainPid: null, state: 'stopped' });
  });

  it('without a pid file, uses the oldest process of that exact name', () => {
    const byName = { node: 'local', unit: 'no-such-process-name' };
    assert.equal(driver.status(byName).includes(`pgrep -o -x no-such-process-name`), true);
    assert.deepEqual(driver.parseStatus(byName, sh(driver.status(byName))), { running: false, mainPid: null, state: 'stopped' });
  });

  it('stops with TERM and refuses start and restart', () => {
    assert.equal(driver.stop(instance), driver.kill(instance, 'TERM'));
    assert.throws(() => driver.start(instance), UnsupportedOperationError);
    assert.throws(() => driver.restart(instance), /cannot restart sleep on local/);
  });

  it('does not guess on unexpected output', () => {
    assert.throws(() => parseSignalStatus('x', { code: 127, stdout: '', stderr: 'sh: pgrep: not found' }), /unexpected status output for x: sh: pgrep: not found \(exit code 127\)/);
  });
});
