// The run's ledger of what it created: one JSON line per resource in
// reports/<run-id>/resources.jsonl, written before the create call returns to
// the spec. The leak audit at the end of the run reads it, so even a resource
// whose name does not show the run id (a Trove port named trove-<instance id>,
// a backup object named after the backup id) is traced back to this run.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type LedgerKind = 'instance' | 'backup' | 'configuration' | 'datastore' | 'datastore-version' | 'swift-prefix';

export interface LedgerEntry {
  kind: LedgerKind;
  id: string;
  name: string;
  /** For swift-prefix: the container; id is then the object name prefix. */
  container?: string;
  /** The spec that made it. */
  by?: string;
  at: string;
}

export function ledgerFile(runDir: string): string {
  return join(runDir, 'resources.jsonl');
}

export function recordResource(runDir: string, e: Omit<LedgerEntry, 'at'>): void {
  mkdirSync(runDir, { recursive: true });
  appendFileSync(ledgerFile(runDir), `${JSON.stringify({ ...e, at: new Date().toISOString() })}\n`);
}

export function readLedger(runDir: string): LedgerEntry[] {
  const file = ledgerFile(runDir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as LedgerEntry;
      } catch {
        throw new Error(`${file}: line ${i + 1} is not JSON; the ledger was damaged (a crashed writer?): ${l.slice(0, 80)}`);
      }
    });
}
