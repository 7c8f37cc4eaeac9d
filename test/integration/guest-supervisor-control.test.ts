// SupervisorProcessControl against a REAL private supervisord (foreground,
// our child, unix socket in a temp dir, [include] of a conf.d like a lab VM's):
// the agent adds its program at run time (reloadConfig + addProcessGroup),
// starts, restarts after a command change, stops. A `sleep` stands in for
// mariadbd. supervisord is stopped by its PID in after().
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive, SupervisorProcessControl } from '../../lab/guest/mariadb/process-control.ts';
import { supervisorRpc } from '../../lab/steps/supervisor-rpc.ts';

describe('guest MariaDB process control under a real supervisord', function () {
  this.timeout(60_000);
  let dir: string;
  let supervisord: ChildProcess | undefined;
  let control: SupervisorProcessControl;
  const spec = (seconds: number) => ({ command: ['/bin/sleep', String(seconds)], outputLog: join(dir, 'prog.out'), pidFile: join(dir, 'unused.pid') });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'guest-supervisor-'));
    mkdirSync(join(dir, 'conf.d'));
    const sock = join(dir, 'supervisor.sock');
    writeFileSync(
      join(dir, 'supervisord.conf'),
      `[unix_http_server]\nfile=${sock}\n[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n` +
        `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[include]\nfiles = ${dir}/conf.d/*.conf\n`,
    );
    supervisord = spawn('supervisord', ['-n', '-c', join(dir, 'supervisord.conf')], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        await supervisorRpc(sock, 'supervisor.getState', [], 1000);
        break;
      } catch (err) {
        if (i > 100 || supervisord.exitCode !== null) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    control = new SupervisorProcessControl({ socket: sock, confDir: join(dir, 'conf.d'), program: 'mariadb', stopWaitSecs: 3 });
  });

  after(async () => {
    if (supervisord && supervisord.exitCode === null && supervisord.signalCode === null) {
      const gone = new Promise((r) => supervisord!.once('exit', r));
      supervisord.kill('SIGTERM'); // supervisord stops its programs first
      const killer = setTimeout(() => supervisord!.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(killer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds, starts, restarts on a changed command, and stops the program', async () => {
    assert.equal(await control.pid(), null, 'unknown program: not running');
    await control.start(spec(300));
    const first = await control.pid();
    assert.ok(first && pidAlive(first));
    assert.match(readFileSync(join(dir, 'conf.d', 'mariadb.conf'), 'utf8'), /^autorestart=true$/m);
    await control.start(spec(300));
    assert.equal(await control.pid(), first, 'starting a running program is a no-op');
    await control.start(spec(301));
    const second = await control.pid();
    assert.ok(second && second !== first && !pidAlive(first), 'a changed command replaces the process');
    await control.stop(3000);
    assert.equal(await control.pid(), null);
    assert.equal(pidAlive(second), false);
  });
});
