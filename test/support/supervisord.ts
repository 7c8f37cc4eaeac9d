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

/** A program that supervisord does not start by itself (as a fresh VM's daemons wait for their config). */
export interface ManualProgram {
  command: string;
  autostart: false;
}

/** `programs` maps a program name to its command line (started with supervisord) or to a ManualProgram. */
export function startSupervisord(dir: string, programs: Record<string, string | ManualProgram>): Supervisord {
  const conf = join(dir, 'supervisord.conf');
  const sections = Object.entries(programs).map(([name, p]) => {
    const manual = typeof p === 'string' ? '' : 'autostart=false\n';
    return `[program:${name}]\ncommand=${typeof p === 'string' ? p : p.command}\n${manual}startsecs=1\nstopwaitsecs=3\n`;
  });
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
