// Small file helpers for the lab builder. Every config write goes through
// writeIfChanged so that a second `lab up` can tell "nothing to do" from "changed"
// and never restarts a daemon whose config did not change.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { labPaths } from './paths.ts';

export interface WriteOptions {
  mode?: number;
  /** System user that must own the file (e.g. "mysql"). */
  owner?: string;
}

const uidCache = new Map<string, { uid: number; gid: number }>();
export function userIds(user: string): { uid: number; gid: number } {
  let ids = uidCache.get(user);
  if (!ids) {
    const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
    ids = { uid, gid };
    uidCache.set(user, ids);
  }
  return ids;
}

export function fileEquals(path: string, content: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8') === content;
}

/** Write content unless the file already holds exactly that; returns true when it wrote. */
export function writeIfChanged(path: string, content: string, opts: WriteOptions = {}): boolean {
  const changed = !fileEquals(path, content);
  if (changed) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: opts.mode ?? 0o644 });
  }
  if (opts.mode !== undefined) chmodSync(path, opts.mode);
  if (opts.owner) {
    const { uid, gid } = userIds(opts.owner);
    chownSync(path, uid, gid);
  }
  return changed;
}

/** mkdir -p, then mode/owner on the leaf only. */
export function ensureDir(path: string, opts: WriteOptions = {}): void {
  mkdirSync(path, { recursive: true });
  if (opts.mode !== undefined) chmodSync(path, opts.mode);
  if (opts.owner) {
    const { uid, gid } = userIds(opts.owner);
    chownSync(path, uid, gid);
  }
}

/** Create an empty file if missing (e.g. a log a daemon writes as its own user), then mode/owner. */
export function ensureFile(path: string, opts: WriteOptions = {}): void {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '', { mode: opts.mode ?? 0o644 });
  }
  if (opts.mode !== undefined) chmodSync(path, opts.mode);
  if (opts.owner) {
    const { uid, gid } = userIds(opts.owner);
    chownSync(path, uid, gid);
  }
}
