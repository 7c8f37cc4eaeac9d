// The leak diff, pure: what a run's ledger and its run id say it made, against
// what the site holds now. Anything of this run still there is a leak; other
// runs' leftovers are listed apart (attributable, but not this run's failure).
import type { LedgerEntry } from './ledger.ts';
import { carriesRunId, harnessRunIdIn } from './naming.ts';

export interface Inventory {
  instances: { id: string; name: string; status?: string }[];
  backups: { id: string; name: string; status?: string; locationRef?: string | null }[];
  configurations: { id: string; name: string }[];
  datastores: { id: string; name: string }[];
  servers: { id: string; name: string; status?: string; metadata?: Record<string, string> }[];
  ports: { id: string; name: string; device_id: string }[];
  /** Objects under the ledger's Swift prefixes and in the containers the ledger names. */
  swiftObjects: { container: string; name: string }[];
}

export type LeakKind = 'instance' | 'backup' | 'configuration' | 'datastore' | 'server' | 'port' | 'swift-object';

export interface Leak {
  kind: LeakKind;
  id: string;
  name: string;
  /** Why it is attributed to the run: "in the ledger", "name carries the run id", … */
  why: string;
}

export interface LeakReport {
  leaks: Leak[];
  /** Leftovers named after other harness runs, by run id. */
  otherRuns: Record<string, Leak[]>;
}

export function findLeaks(runId: string, ledger: LedgerEntry[], inv: Inventory): LeakReport {
  const ids = (kind: LedgerEntry['kind']) => new Set(ledger.filter((e) => e.kind === kind).map((e) => e.id));
  const instanceIds = ids('instance');
  const backupIds = ids('backup');
  const leaks: Leak[] = [];
  const otherRuns: Record<string, Leak[]> = {};
  const judge = (kind: LeakKind, r: { id: string; name: string }, inLedger: boolean, extra?: string): void => {
    if (inLedger) leaks.push({ kind, id: r.id, name: r.name, why: 'in the run ledger' });
    else if (carriesRunId(r.name, runId)) leaks.push({ kind, id: r.id, name: r.name, why: 'name carries the run id' });
    else if (extra) leaks.push({ kind, id: r.id, name: r.name, why: extra });
    else {
      const other = harnessRunIdIn(r.name);
      if (other) (otherRuns[other] ??= []).push({ kind, id: r.id, name: r.name, why: `name carries run id ${other}` });
    }
  };
  for (const i of inv.instances) judge('instance', i, instanceIds.has(i.id));
  for (const b of inv.backups) judge('backup', b, backupIds.has(b.id));
  for (const c of inv.configurations) judge('configuration', c, ids('configuration').has(c.id));
  for (const d of inv.datastores) judge('datastore', d, ids('datastore').has(d.id));
  const leakedServers = new Set<string>();
  for (const s of inv.servers) {
    const meta = JSON.stringify(s.metadata ?? {});
    const ofInstance = [...instanceIds].find((id) => meta.includes(id));
    const before = leaks.length;
    judge('server', s, false, ofInstance ? `server of instance ${ofInstance}` : undefined);
    if (leaks.length > before) leakedServers.add(s.id);
  }
  for (const p of inv.ports) {
    const ofInstance = [...instanceIds].find((id) => p.name === `trove-${id}`);
    const why = ofInstance ? `Trove port of instance ${ofInstance}` : leakedServers.has(p.device_id) ? `port of leaked server ${p.device_id}` : undefined;
    judge('port', p, false, why);
  }
  const prefixes = ledger.filter((e) => e.kind === 'swift-prefix' && e.container);
  for (const o of inv.swiftObjects) {
    const full = { id: `${o.container}/${o.name}`, name: o.name };
    const prefix = prefixes.find((e) => e.container === o.container && e.id && o.name.startsWith(e.id));
    const backup = [...backupIds].find((id) => o.name.startsWith(id));
    judge('swift-object', full, false, prefix ? `under the run's Swift prefix ${prefix.id} (${prefix.name})` : backup ? `object of backup ${backup}` : undefined);
  }
  return { leaks, otherRuns };
}

export function describeLeaks(leaks: Leak[]): string {
  return leaks.map((l) => `${l.kind} ${l.name}${l.name !== l.id ? ` (${l.id})` : ''}: ${l.why}`).join('\n');
}
