// A private Debian supervisord on a unix socket in a temp dir, for tests. It
// runs in the foreground (-n) as our child, so we hold its PID from the start
// and can always stop it: `supervisorctl shutdown`, then SIGKILL by that PID.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Supervisord {
  /** The supervisorctl command line for this instance (with -c). */
  ctl: string;
  /** Resolves once supervisorctl can talk to it. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** `programs` maps a program name to its command line. */
export function startSupervisord(dir: string, programs: Record<string, string>): Supervisord {
  const conf = join(dir, 'supervisord.conf');
  const sections = Object.entries(programs).map(([name, command]) => `[program:${name}]\ncommand=${command}\nstartsecs=1\nstopwaitsecs=3\n`);
  writeFileSync(
    conf,
    `[unix_http_server]\nfile=${dir}/supervisor.sock\n[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${dir}/supervisor.sock\n${sections.join('')}`,
  );
  const child = spawn('supervisord', ['-n', '-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ctl = (...args: string[]) => spawnSync('supervisorctl', ['-c', conf, ...args], { encoding: 'utf8' });
  return {
    ctl: `supervisorctl -c ${conf}`,
    async ready() {
      for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) throw new Error(`supervisord exited with code ${child.exitCode}; see ${dir}/supervisord.log`);
        // Exit 4 with "no such file"/"refused" while the socket is not up yet.
        const r = ctl('status');
        if (r.status !== 4 && !/no such file|refused/.test(r.stdout)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('supervisord did not answer within 10 s');
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      ctl('shutdown');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
