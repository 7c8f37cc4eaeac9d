// Replication: a replica of a primary, replication lag measured with a row
// written on the primary and polled on the replica, detach.
import { attachText, step } from '../report/allure.ts';
import type { TroveContext } from './context.ts';
import { createInstance, waitInstance, type CreatedInstance } from './instances.ts';
import { poll } from './poll.ts';
import { rows, withSql } from './sql.ts';

export async function createReplica(t: TroveContext, primaryId: string, what: string): Promise<CreatedInstance> {
  return createInstance(t, { what, replicaOf: primaryId });
}

export interface SqlLogin {
  host: string;
  user: string;
  password: string;
  database: string;
}

/**
 * Writes one row (table repl_probe, created if missing) on the primary and polls
 * the replica until it shows; returns the lag in ms as the harness sees it
 * (commit acknowledged on the primary -> row visible on the replica).
 */
export async function measureReplicationLag(primary: SqlLogin, replica: SqlLogin, marker: string, timeoutMs = 60_000): Promise<number> {
  return step(`write ${marker} on the primary ${primary.host}, read it on the replica ${replica.host}`, async () => {
    await withSql(primary.host, primary.user, primary.password, primary.database, async (c) => {
      await c.query('CREATE TABLE IF NOT EXISTS repl_probe (marker VARCHAR(64) PRIMARY KEY, written_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3))');
      await c.query('INSERT INTO repl_probe (marker) VALUES (?)', [marker]);
    });
    const r = await withSql(replica.host, replica.user, replica.password, replica.database, (c) =>
      poll(
        `row ${marker} on the replica ${replica.host}`,
        async () => (await rows(c, 'SELECT marker FROM repl_probe WHERE marker = ?', [marker])).length > 0,
        (seen) => (seen ? { state: 'done' } : { state: 'pending' }),
        (seen) => (seen ? 'replicated' : 'not yet'),
        { timeoutMs, intervalMs: 100 },
      ),
    );
    await attachText('replication lag', `${r.elapsedMs} ms from the primary's acknowledgement to the row on the replica (polled every 100 ms)`);
    return r.elapsedMs;
  });
}

/** PATCH replica_of null, then wait until the instance is ready and no longer names a primary. */
export async function detachReplica(t: TroveContext, replicaId: string): Promise<void> {
  await step(`PATCH /instances/${replicaId} replica_of null (detach)`, () => t.trove.detachReplica(replicaId));
  await poll(
    `instance ${replicaId} detached (no replica_of)`,
    () => t.trove.showInstance(replicaId),
    (i) => (i.status === 'ERROR' ? { state: 'failed', reason: 'instance went ERROR while detaching' } : !i.replica_of && i.status === 'ACTIVE' ? { state: 'done' } : { state: 'pending' }),
    (i) => `${i.status}${i.replica_of ? ` replica_of ${i.replica_of.id}` : ''}`,
    { timeoutMs: t.site.env.timeouts.instanceActiveMs, intervalMs: 1000 },
  );
  await waitInstance(t, replicaId);
}
