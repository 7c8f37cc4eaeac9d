// Process bookkeeping for the lab: everything is stopped by PID (pid files or
// `ip netns pids`), never by name, so nothing outside the lab can be hit.
import { existsSync, readFileSync } from 'node:fs';
import { run } from './sh.ts';

export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * True while pid runs. A zombie counts as gone: PID 1 on this machine is not an
 * init and may reap late (recipe gotcha 7), and a zombie holds no resources.
 */
export function isAlive(pid: number | undefined): pid is number {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** PIDs of every process in a lab network namespace (empty if it does not exist). */
export async function netnsPids(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns], { allowFail: true, timeoutMs: 10_000 });
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => isAlive(p));
}

export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { allowFail: true, timeoutMs: 10_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!.trim())
    .filter(Boolean);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM the pids, wait up to graceMs for them to go, then SIGKILL what is left. */
export async function stopPids(pids: number[], graceMs = 10_000): Promise<{ killed: number[] }> {
  const live = pids.filter((p) => isAlive(p));
  for (const p of live) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some((p) => isAlive(p))) await new Promise((r) => setTimeout(r, 100));
  const killed = live.filter((p) => isAlive(p));
  for (const p of killed) signal(p, 'SIGKILL');
  const hardDeadline = Date.now() + 5_000;
  while (Date.now() < hardDeadline && killed.some((p) => isAlive(p))) await new Promise((r) => setTimeout(r, 100));
  return { killed };
}
