// Small shared pieces for the lab's OpenStack service steps (keystone, swift):
// how a step reaches a node (NodeRuntime), idempotent file writes, supervisor
// command lines that refuse to start on the wrong /etc, and bounded HTTP probes.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onNode, run, type RunOptions, type RunResult } from './sh.ts';
import * as supervisor from './supervisor.ts';
import type { ProgramSpec } from './supervisor.ts';

export interface NodeAddr {
  name: string;
  address: string;
}

/** Where a node's config directory is: as the node's processes see it, and in the root filesystem. */
export interface EtcDir {
  /** Path inside the node (lab: /etc/<dir>, bind-mounted by `ip netns exec`). */
  node: string;
  /** Same directory in the root filesystem (lab: /etc/netns/<node>/<dir>); the step writes here. */
  host: string;
}

/**
 * How a step acts on a node. The lab's runtime runs commands through `ip netns exec`
 * and programs under the node's supervisord (lab/steps/nodes.ts); a loopback test
 * can plug in its own. `log` is the step log file for the supervisorctl calls.
 */
export interface NodeRuntime {
  exec(node: string, argv: string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * Define or update the program (idempotent). True when the definition was new
   * or changed, in which case supervisor has already (re)started it.
   */
  addProgram(node: string, spec: ProgramSpec, log?: string): Promise<boolean>;
  /** Start it if it is not running; throws when it does not reach RUNNING. */
  startProgram(node: string, name: string, log?: string): Promise<void>;
  /** Stop it; no error when it is already stopped. */
  stopProgram(node: string, name: string, log?: string): Promise<void>;
  /** Supervisor state name (RUNNING, STOPPED, STARTING, BACKOFF, FATAL, ...; UNKNOWN = not defined, DOWN = no supervisord). */
  programStatus(node: string, name: string): Promise<string>;
}

export const labRuntime: NodeRuntime = {
  exec: (node, argv, opts) => run(onNode(node, argv), opts),
  addProgram: (node, spec, log) => supervisor.addProgram(node, spec, { log }),
  startProgram: (node, name, log) => supervisor.startProgram(node, name, { log }),
  stopProgram: (node, name, log) => supervisor.stopProgram(node, name, { log }),
  programStatus: async (node, name) => (await supervisor.programStatus(node, name)).state,
};

/** Write `content` unless the file already holds exactly that; returns true when it wrote. */
export function writeIfChanged(file: string, content: string | Buffer, mode = 0o644): boolean {
  mkdirSync(dirname(file), { recursive: true });
  const want = typeof content === 'string' ? Buffer.from(content) : content;
  const same = existsSync(file) && readFileSync(file).equals(want);
  if (!same) writeFileSync(file, want, { mode });
  chmodSync(file, mode);
  return !same;
}

/** Make dst's regular files equal to src's (extra files removed); returns true when anything changed. */
export function syncDir(src: string, dst: string, fileMode = 0o600, dirMode = 0o700): boolean {
  mkdirSync(dst, { recursive: true, mode: dirMode });
  chmodSync(dst, dirMode);
  let changed = false;
  const want = new Set(readdirSync(src));
  for (const f of readdirSync(dst)) {
    if (!want.has(f)) {
      rmSync(join(dst, f), { force: true, recursive: true });
      changed = true;
    }
  }
  for (const f of want) changed = writeIfChanged(join(dst, f), readFileSync(join(src, f)), fileMode) || changed;
  return changed;
}

/** POSIX shell quoting (also what supervisor's shlex-based command parser accepts). */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The first line of every generated config file: who wrote it, for which node. */
export function markerLine(component: string, node: string): string {
  return `# trove-ha-lab ${component} ${node} (generated; edits are overwritten)`;
}

/**
 * A supervisor command line that execs argv only if `confFile` carries the node's
 * marker line, i.e. the node's /etc/<dir> really is the bind mount from
 * /etc/netns/<node>/<dir>. Without this guard a process whose mount namespace
 * predates the directory would silently run with the host's packaged config.
 */
export function guardedCommand(confFile: string, marker: string, argv: string[]): string {
  const why = `trove-ha-lab: ${confFile} is not the generated file for this node; its /etc bind mount is missing (was the node supervisor started before the directory existed?)`;
  const script =
    `grep -qxF ${shQuote(marker)} ${shQuote(confFile)} || { echo ${shQuote(why)} >&2; exit 78; }; ` +
    `exec ${argv.map(shQuote).join(' ')}`;
  const command = `/bin/sh -c ${shQuote(script)}`;
  // supervisor expands %(...)s in commands; keep them literal by never needing a %.
  if (command.includes('%')) throw new Error(`program command must not contain '%': ${command}`);
  return command;
}

/**
 * Converge one supervised program: define it (supervisor starts a new or changed
 * definition itself), then start it if it is not running, or restart it when its
 * configuration files changed. Returns what it did.
 */
export async function convergeProgram(rt: NodeRuntime, node: string, spec: ProgramSpec, configChanged: boolean, log?: string): Promise<'defined' | 'started' | 'restarted' | 'unchanged'> {
  if (await rt.addProgram(node, spec, log)) {
    await rt.startProgram(node, spec.name, log); // waits for RUNNING ("already started" is fine)
    return 'defined';
  }
  const state = await rt.programStatus(node, spec.name);
  if (state === 'RUNNING' && !configChanged) return 'unchanged';
  if (state === 'RUNNING') {
    await rt.stopProgram(node, spec.name, log);
    await rt.startProgram(node, spec.name, log);
    return 'restarted';
  }
  await rt.startProgram(node, spec.name, log);
  return 'started';
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: string;
  /** Why there is no status (status 0): the network error or the timeout. */
  error?: string;
}

/** One HTTP request with a bound; network errors become status 0. */
export async function http(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<HttpResult> {
  const { timeoutMs = 10_000, ...rest } = init;
  try {
    const res = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, headers: res.headers, body: await res.text() };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return { status: 0, headers: new Headers(), body: '', error: `${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.message ?? err.message)}` };
  }
}

export async function httpOk(url: string, timeoutMs = 3_000): Promise<boolean> {
  const r = await http(url, { timeoutMs });
  return r.status >= 200 && r.status < 300;
}
