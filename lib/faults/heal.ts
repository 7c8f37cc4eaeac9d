// Replays the journal: every open entry's inverse, newest first (a partition
// injected after a stop is undone before the start), each marked healed once
// applied. Idempotent inverses make a second replay, or replaying a fault that
// was never actually injected (crash between journal and injection), harmless.
import type { Environment } from '../env/schema.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { applyInverse } from './apply-inverse.ts';
import { faultContext, type FaultContext, type FaultContextOptions } from './context.ts';
import { parseInverseAction } from './inverse.ts';
import { journalPath, readJournal, recordHealed, type JournalEntry } from './journal.ts';

export interface HealFailure {
  entry: JournalEntry;
  /** Why the inverse could not be applied; the entry stays open. */
  error: string;
}

export interface HealReport {
  journal: string;
  healed: JournalEntry[];
  failed: HealFailure[];
}

export interface HealJournalOptions extends FaultContextOptions {
  /** Default: journalPath(env.name). */
  path?: string;
  /** Told before each inverse is applied (for progress output). */
  onEntry?: (entry: JournalEntry) => void;
  context?: FaultContext;
}

export async function healJournal(env: Environment, remote: RemoteExecutor, options: HealJournalOptions = {}): Promise<HealReport> {
  const path = options.path ?? journalPath(env.name);
  const ctx = options.context ?? faultContext(env, remote, options);
  const open = readJournal(path)
    .filter((e) => !e.healed)
    .reverse();
  const report: HealReport = { journal: path, healed: [], failed: [] };
  for (const entry of open) {
    options.onEntry?.(entry);
    const parsed = parseInverseAction(entry.inverse?.action);
    if (!parsed.ok) {
      report.failed.push({ entry, error: `the journal's inverse is not one this harness knows (${parsed.problem}); undo by hand: ${entry.inverse?.description ?? 'no description'}` });
      continue;
    }
    try {
      await applyInverse(ctx, parsed.action);
      recordHealed(path, entry.id);
      report.healed.push(entry);
    } catch (e) {
      // Keep the node's own words (e.g. supervisorctl's "spawn error"), on one line.
      const message = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join(' / ');
      report.failed.push({ entry, error: message.length > 500 ? `${message.slice(0, 500)}…` : message });
    }
  }
  return report;
}
