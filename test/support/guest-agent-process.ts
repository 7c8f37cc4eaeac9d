// The lab guest agent as its own process (node --import tsx lab/guest/main.ts
// --config-dir <dir>), as supervisord runs it in a VM. We hold its PID from
// the start and stop it by that PID: SIGTERM (it closes AMQP cleanly), then
// SIGKILL after a bound. Its log lines are kept for secret checks.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface AgentProcess {
  pid: number;
  log: string[];
  exited(): boolean;
  stop(): Promise<void>;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export function startAgentProcess(configDir: string, env: Record<string, string> = {}): AgentProcess {
  // Not under any supervisord: the datastore must pick its detached process control.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SUPERVISOR_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'lab/guest/main.ts', '--config-dir', configDir], { cwd: REPO, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let partial = '';
  const take = (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    log.push(...lines);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid!,
    log,
    exited,
    async stop() {
      if (exited()) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedP;
      clearTimeout(killer);
    },
  };
}
