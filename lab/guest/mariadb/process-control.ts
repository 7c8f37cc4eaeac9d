// How the agent runs mariadbd. Trove runs it as a Docker container with
// restart policy unless-stopped; a lab VM has no Docker, so:
// - SupervisorProcessControl: a program in the VM's supervisord (the agent is
//   itself a supervisord program there; supervisord exports
//   SUPERVISOR_SERVER_URL to it). autorestart=true is unless-stopped: a crash
//   restarts it, stop_db keeps it down.
// - DetachedProcessControl: setsid'd child of nobody, tracked by mariadbd's own
//   pid file, so it survives an agent restart and is found again by PID. No
//   automatic restart.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Faults, RpcFault, supervisorRpc } from '../../steps/supervisor-rpc.ts';

export interface ProgramSpec {
  /** argv[0] and arguments; no shell. */
  command: string[];
  /** Where stdout/stderr go. */
  outputLog: string;
  /** The pid file the program writes itself (mariadbd --pid-file). */
  pidFile: string;
}

export interface ProcessControl {
  readonly kind: 'supervisor' | 'detached';
  /** Starts it; resolves once it was spawned (not when it answers). */
  start(spec: ProgramSpec): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when it is gone. */
  stop(timeoutMs: number): Promise<void>;
  /** The running process's PID, or null. */
  pid(): Promise<number | null>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

/** /proc/<pid>/comm: a recycled PID must not be mistaken for our mariadbd. */
function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return !pidAlive(pid);
}

export class DetachedProcessControl implements ProcessControl {
  readonly kind = 'detached';
  private spec: ProgramSpec | null = null;
  /** The child we spawned, until mariadbd has written its pid file (it runs as another user: we must not write that file). */
  private spawned: number | null = null;

  constructor(
    private readonly pidFile: string,
    private readonly comm = 'mariadbd',
  ) {}

  async pid(): Promise<number | null> {
    for (const pid of [readPid(this.spec?.pidFile ?? this.pidFile), this.spawned]) {
      if (pid !== null && pidAlive(pid) && commOf(pid) === this.comm) return pid;
    }
    return null;
  }

  async start(spec: ProgramSpec): Promise<void> {
    this.spec = spec;
    if (await this.pid()) return;
    rmSync(spec.pidFile, { force: true });
    mkdirSync(dirname(spec.outputLog), { recursive: true });
    const out = openSync(spec.outputLog, 'a');
    try {
      // detached: setsid() in the child, so neither our process group nor our exit touches it.
      const child = spawn(spec.command[0]!, spec.command.slice(1), { detached: true, stdio: ['ignore', out, out] });
      child.unref();
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', () => resolve());
      });
      this.spawned = child.pid ?? null;
    } finally {
      closeSync(out);
    }
  }

  async stop(timeoutMs: number): Promise<void> {
    const pid = await this.pid();
    if (pid === null) return;
    process.kill(pid, 'SIGTERM');
    if (!(await waitGone(pid, timeoutMs))) {
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 5000);
    }
  }
}

/** supervisord's XML-RPC socket from SUPERVISOR_SERVER_URL=unix:///path/supervisor.sock. */
export function supervisorSocketFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const url = env.SUPERVISOR_SERVER_URL;
  return url?.startsWith('unix://') ? url.slice('unix://'.length) : null;
}

const esc = (s: string) => s.replace(/%/g, '%%');
const shellWord = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The [program:x] section; stopwaitsecs bounds a clean InnoDB shutdown before SIGKILL. */
export function supervisorProgram(name: string, spec: ProgramSpec, stopWaitSecs: number): string {
  return [
    '; written by the lab Trove guest agent (lab/guest/mariadb/process-control.ts)',
    `[program:${name}]`,
    `command=${esc(spec.command.map(shellWord).join(' '))}`,
    'autostart=false',
    'autorestart=true',
    'startsecs=1',
    'startretries=3',
    'stopsignal=TERM',
    `stopwaitsecs=${Math.max(1, Math.ceil(stopWaitSecs))}`,
    'redirect_stderr=true',
    `stdout_logfile=${esc(spec.outputLog)}`,
    'stdout_logfile_maxbytes=10MB',
    'stdout_logfile_backups=1',
    '',
  ].join('\n');
}

export class SupervisorProcessControl implements ProcessControl {
  readonly kind = 'supervisor';

  constructor(
    private readonly opts: { socket: string; confDir: string; program?: string; stopWaitSecs: number; rpcTimeoutMs?: number },
  ) {}

  private get name(): string {
    return this.opts.program ?? 'mariadb';
  }

  private rpc(method: string, params: (string | boolean)[] = []) {
    return supervisorRpc(this.opts.socket, method, params, this.opts.rpcTimeoutMs ?? 120_000);
  }

  async pid(): Promise<number | null> {
    try {
      const info = (await this.rpc('supervisor.getProcessInfo', [this.name])) as { pid: number; statename: string };
      return info.statename === 'RUNNING' && info.pid > 0 ? info.pid : null;
    } catch (err) {
      if (err instanceof RpcFault && err.code === Faults.BAD_NAME) return null;
      throw err;
    }
  }

  async start(spec: ProgramSpec): Promise<void> {
    mkdirSync(this.opts.confDir, { recursive: true });
    const file = join(this.opts.confDir, `${this.name}.conf`);
    const text = supervisorProgram(this.name, spec, this.opts.stopWaitSecs);
    const changed = !existsSync(file) || readFileSync(file, 'utf8') !== text;
    if (changed) writeFileSync(file, text);
    // supervisorctl update: reread, then (re)add the group if its config changed.
    const [[added, modified]] = (await this.rpc('supervisor.reloadConfig')) as [[string[], string[], string[]]];
    if (modified.includes(this.name)) {
      await this.stop(this.opts.stopWaitSecs * 1000);
      await this.rpc('supervisor.removeProcessGroup', [this.name]);
    }
    if (added.includes(this.name) || modified.includes(this.name)) await this.rpc('supervisor.addProcessGroup', [this.name]);
    try {
      await this.rpc('supervisor.startProcess', [this.name, true]);
    } catch (err) {
      if (!(err instanceof RpcFault && err.code === Faults.ALREADY_STARTED)) throw err;
    }
  }

  async stop(_timeoutMs: number): Promise<void> {
    // supervisord applies stopwaitsecs, then SIGKILL, itself.
    try {
      await this.rpc('supervisor.stopProcess', [this.name, true]);
    } catch (err) {
      if (err instanceof RpcFault && (err.code === Faults.NOT_RUNNING || err.code === Faults.BAD_NAME)) return;
      throw err;
    }
  }
}
