// `trove-ha heal --env <name>`: undo every fault still recorded in the site's
// fault journal (left by a crashed or interrupted run), then check health.
import { loadEnvironment } from '../lib/env/load.ts';
import { journalPath, readJournal } from '../lib/faults/journal.ts';

export async function healCommand(opts: { env: string }): Promise<number> {
  const { env } = loadEnvironment(opts.env);
  const path = journalPath(env.name);
  const open = readJournal(path).filter((e) => !e.healed);
  if (open.length === 0) {
    process.stdout.write(`heal: no open faults in ${path}; nothing to undo\n`);
    return 0;
  }
  // Inverses are replayed by lib/faults once injectors exist; until then an
  // open entry is reported, never silently dropped.
  for (const e of open) process.stdout.write(`heal: open fault ${e.id} (${e.kind} on ${e.target}) since ${e.injectedAt}; inverse: ${e.inverse.description}\n`);
  process.stderr.write(`heal: ${open.length} open fault(s) cannot be undone by this version of the harness; undo them by hand as listed above\n`);
  return 3;
}
