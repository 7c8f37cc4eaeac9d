import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/env/errors.ts';
import { RemoteCommandError } from '../../lib/remote/errors.ts';
import type { CommandResult, ExecOptions, RemoteExecutor } from '../../lib/remote/types.ts';
import { SupervisorDriver } from '../../lib/topology/drivers/supervisor.ts';
import { ServiceControl, ServiceControlError } from '../../lib/topology/service-control.ts';
import { testEnvironment } from '../support/test-environment.ts';

/** Records commands and answers with scripted outputs, as a node would. */
class FakeRemote implements RemoteExecutor {
  readonly calls: Array<{ node: string; command: string; options?: ExecOptions }> = [];
  constructor(private readonly answer: (command: string) => Partial<CommandResult> = () => ({})) {}
  async exec(node: string, command: string, options?: ExecOptions): Promise<CommandResult> {
    this.calls.push({ node, command, options });
    const result: CommandResult = { node, command, code: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...this.answer(command) };
    if (result.code !== 0 && !options?.allowFail) throw new RemoteCommandError(result);
    return result;
  }
}

const env = testEnvironment({
  nodes: { ctl1: { address: '198.18.0.11' }, ctl2: { address: '198.18.0.12' } },
  services: {
    galera: { driver: 'supervisor', instances: { ctl1: { unit: 'mariadb' } } },
    api: { driver: 'systemd', instances: { ctl1: { unit: 'trove-api.service' }, ctl2: { unit: 'trove-api.service' } } },
  },
});

describe('ServiceControl', () => {
  it('runs the driver command of the service instance on its node', async () => {
    const remote = new FakeRemote();
    const control = new ServiceControl(env, remote);
    await control.stop('galera', 'ctl1');
    await control.start('api', 'ctl2');
    await control.kill('galera', 'ctl1');
    assert.deepEqual(remote.calls.map((c) => [c.node, c.command.split(';')[0]]), [
      ['ctl1', 'supervisorctl stop mariadb'],
      ['ctl2', 'systemctl start trove-api.service'],
      ['ctl1', 'pid=$(supervisorctl pid mariadb)'],
    ]);
    assert.match(remote.calls[2]!.command, /kill -s KILL "\$pid"$/);
  });

  it('reads status with allowFail (a stopped program exits 3) and returns the main pid', async () => {
    const remote = new FakeRemote(() => ({ code: 3, stdout: 'mariadb                          STOPPED   Not started\n' }));
    const control = new ServiceControl(env, remote);
    assert.deepEqual(await control.status('galera', 'ctl1'), { running: false, mainPid: null, state: 'STOPPED' });
    assert.equal(remote.calls[0]?.options?.allowFail, true);
    const running = new ServiceControl(env, new FakeRemote(() => ({ stdout: 'mariadb   RUNNING   pid 4242, uptime 0:01:00\n' })));
    assert.equal(await running.mainPid('galera', 'ctl1'), 4242);
  });

  it('uses drivers given in options, and passes exec options through', async () => {
    const remote = new FakeRemote();
    const control = new ServiceControl(env, remote, { drivers: { supervisor: new SupervisorDriver('supervisorctl -c /etc/lab.conf') }, exec: { timeoutMs: 120_000 } });
    await control.restart('galera', 'ctl1');
    assert.equal(remote.calls[0]?.command, 'supervisorctl -c /etc/lab.conf restart mariadb');
    assert.equal(remote.calls[0]?.options?.timeoutMs, 120_000);
  });

  it('wraps failures with service, node, operation and driver', async () => {
    const control = new ServiceControl(env, new FakeRemote(() => ({ code: 3, stderr: 'supervisor program mariadb is not running (pid: 0)\n' })));
    await assert.rejects(control.kill('galera', 'ctl1', 'STOP'), (error: unknown) => {
      assert.ok(error instanceof ServiceControlError);
      assert.ok(error.cause instanceof RemoteCommandError);
      assert.match(error.message, /^cannot kill service galera on ctl1 \(supervisor mariadb\): node ctl1: command exited with code 3: .*\n.*\nsupervisor program mariadb is not running \(pid: 0\)$/);
      return true;
    });
    const unknown = new ServiceControl(env, new FakeRemote(() => ({ code: 4, stdout: 'mariadb: ERROR (no such process)\n' })));
    await assert.rejects(unknown.status('galera', 'ctl1'), /cannot status service galera on ctl1 \(supervisor mariadb\): supervisord has no program mariadb/);
  });

  it('reports configuration mistakes as ConfigError before touching a node', async () => {
    const remote = new FakeRemote();
    const control = new ServiceControl(env, remote);
    assert.throws(() => control.resolve('galera', 'ctl2'), (e: unknown) => e instanceof ConfigError && /service galera has no instance on node ctl2 \(services\.galera\.instances has: ctl1\)/.test(e.message));
    await assert.rejects(async () => control.stop('keystone', 'ctl1'), /no service "keystone" in the environment's services \(have: unused, galera, api\)/);
    await assert.rejects(async () => control.kill('galera', 'ctl1', 'BOOM' as never), /signal "BOOM" for service galera is not one of KILL, TERM/);
    assert.equal(remote.calls.length, 0);
  });
});
