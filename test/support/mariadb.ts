// A throwaway MariaDB on 127.0.0.1 in a temp dir: mariadb-install-db, then
// mariadbd --no-defaults on a free port as our child. We hold its PID from the
// start, stop it by that PID (TERM, then KILL after a bound) and nothing else.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface Mariadb {
  port: number;
  pid: number;
  /** Runs SQL as root over the unix socket; throws on failure. */
  sql(statement: string): string;
  stop(): Promise<void>;
}

/** `install: false` starts on an existing <dir>/data (e.g. a restored backup). */
export async function startMariadb(dir: string, opts: { install?: boolean } = {}): Promise<Mariadb> {
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  if (opts.install !== false) {
    const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--skip-test-db', '--auth-root-authentication-method=socket'], { encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr.slice(-500)}`);
  }
  const port = await freePort('127.0.0.1');
  const child: ChildProcess = spawn(
    'mariadbd',
    ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root', `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'error.log')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M', '--skip-name-resolve'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const sql = (statement: string) => {
    const r = spawnSync('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '-N', '-B', '-e', statement], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`mariadb -e "${statement}": ${r.stderr.trim()}`);
    return r.stdout;
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // in case a test left it frozen
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with code ${child.exitCode}; see ${dir}/error.log`);
    try {
      sql('SELECT 1');
      return { port, pid: child.pid!, sql, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  throw new Error(`mariadbd did not answer within 20 s; see ${dir}/error.log`);
}
