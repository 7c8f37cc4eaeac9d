// Running commands for the lab builder. Output goes to the step's log file, and a
// failure says which command, its exit status, and where the log is.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { labPaths } from './paths.ts';

export interface RunOptions {
  /** Step log file that receives the command line and its output. */
  log?: string;
  /** Fail after this long (default 120 s); the child's process group is killed. */
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; return the result. */
  allowFail?: boolean;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
    readonly log?: string,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n    ');
    super(`command failed (exit ${result.code}): ${argv.join(' ')}${tail ? `\n    ${tail}` : ''}${log ? `\n    full output: ${log}` : ''}`);
    this.name = 'CommandError';
  }
}

function logLine(log: string | undefined, text: string): void {
  if (!log) return;
  mkdirSync(dirname(log), { recursive: true });
  appendFileSync(log, text.endsWith('\n') ? text : `${text}\n`);
}

/** Run argv (no shell) and collect its output. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  logLine(opts.log, `$ ${argv.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      detached: true, // own process group, so a timeout can kill all of it
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      stderr += `\n[timed out after ${timeoutMs} ms]`;
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${argv[0]}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (stdout) logLine(opts.log, stdout);
      if (stderr) logLine(opts.log, stderr);
      if (result.code !== 0 && !opts.allowFail) reject(new CommandError(argv, result, opts.log));
      else resolve(result);
    });
    // A child that exits without reading its stdin (most commands) closes the
    // pipe first; the resulting EPIPE is not an error of the command.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Shell snippet convenience: run `bash -c script`. */
export function sh(script: string, opts: RunOptions = {}): Promise<RunResult> {
  return run(['bash', '-c', script], opts);
}

/**
 * argv prefix that runs a command "on" a lab node: its network namespace, its
 * /etc/netns/<node> files bind-mounted over /etc, and its persistent UTS
 * namespace so `hostname` prints the node name.
 */
export function onNode(node: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', node, 'nsenter', `--uts=${labPaths.uts}/${node}`, ...argv];
}

/**
 * Start a long-lived daemon detached from this process (own session), so a
 * timeout or Ctrl-C on the lab command never takes it down. Returns its PID.
 */
export function startDetached(argv: string[], outFile: string): number {
  mkdirSync(dirname(outFile), { recursive: true });
  const child = spawn('bash', ['-c', 'exec "$@" >>"$0" 2>&1 </dev/null', outFile, ...argv], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${argv.join(' ')}`);
  return child.pid;
}

/** Poll cond until true or the bound passes; the error says what was awaited. */
export async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
