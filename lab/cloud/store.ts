// All lab-cloud state in one JSON file, rewritten atomically (temp file,
// fsync, rename) after every change, so a crash or restart leaves either the
// old or the new state and never a torn file. Loaded once at start.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { emptyState, type CloudState } from './model.ts';

export const STATE_FILE = 'lab-cloud-state.json';

export class Store {
  readonly file: string;
  state: CloudState;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, STATE_FILE);
    this.state = existsSync(this.file) ? load(this.file) : emptyState();
  }

  /** Run a change and persist it; a throwing change persists nothing. */
  mutate<T>(change: (s: CloudState) => T): T {
    const snapshot = JSON.stringify(this.state);
    try {
      const result = change(this.state);
      this.save();
      return result;
    } catch (e) {
      this.state = JSON.parse(snapshot) as CloudState;
      throw e;
    }
  }

  save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}

function load(file: string): CloudState {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CloudState>;
  if (parsed.version !== 1) throw new Error(`${file}: unknown lab cloud state version ${String(parsed.version)}`);
  // Fields added later default to empty, so an older state file still loads.
  return { ...emptyState(), ...parsed } as CloudState;
}
