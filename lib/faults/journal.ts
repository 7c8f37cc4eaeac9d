// The crash-safe fault journal. Before a fault is injected, its inverse is
// appended here and fsync'ed; when it is undone, a `healed` record follows. A
// run killed in the middle of a fault leaves an open entry that `trove-ha heal`
// replays. One JSON object per line, so a torn last line loses only itself.
import { appendFileSync, existsSync, mkdirSync, openSync, fsyncSync, closeSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';

export interface Inverse {
  /** What an operator would do by hand, e.g. "supervisorctl start trove-conductor on ctl2". */
  description: string;
  /** Machine-readable undo: which node, which action; interpreted by lib/faults. */
  action: Record<string, unknown>;
}

export interface JournalEntry {
  id: string;
  kind: string;
  target: string;
  runId?: string;
  injectedAt: string;
  inverse: Inverse;
  healed?: boolean;
  /** When the `healed` record was written (ISO), if it was. */
  healedAt?: string;
}

type Line = { type: 'inject'; entry: Omit<JournalEntry, 'healed'> } | { type: 'healed'; id: string; at: string };

export function journalDir(): string {
  return process.env.TROVE_HA_STATE_DIR ?? join(homedir(), '.local', 'state', 'trove-ha');
}

export function journalPath(envName: string): string {
  return join(journalDir(), `fault-journal-${envName}.jsonl`);
}

function appendDurably(path: string, line: Line): void {
  mkdirSync(dirname(path), { recursive: true });
  // After a crash mid-write the file ends in a torn line; start on a fresh line
  // so this record is not glued to it and lost with it.
  const separator = endsWithoutNewline(path) ? '\n' : '';
  appendFileSync(path, `${separator}${JSON.stringify(line)}\n`);
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function endsWithoutNewline(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Record a fault's inverse; call BEFORE injecting it. */
export function recordInjection(path: string, entry: Omit<JournalEntry, 'healed'>): void {
  appendDurably(path, { type: 'inject', entry });
}

export function recordHealed(path: string, id: string): void {
  appendDurably(path, { type: 'healed', id, at: new Date().toISOString() });
}

export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const entries = new Map<string, JournalEntry>();
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a torn final line from a crash mid-write
    }
    if (line.type === 'inject') entries.set(line.entry.id, { ...line.entry, healed: false });
    else if (line.type === 'healed') {
      const e = entries.get(line.id);
      if (e) {
        e.healed = true;
        e.healedAt = line.at;
      }
    }
  }
  return [...entries.values()];
}
