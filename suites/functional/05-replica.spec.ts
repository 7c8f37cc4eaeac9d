// Item 5 of the documents' functional list: a replica of a primary, a row
// written on the primary read on the replica (lag measured), then detach. On a
// site whose guest agent cannot replicate, the replica build fails at once with
// Trove's fault (attached), never a pass.
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { createInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createDatabase, createUser } from '../../lib/trove/databases.ts';
import { createReplica, detachReplica, measureReplicationLag } from '../../lib/trove/replicas.ts';
import { newPassword, rows, withSql } from '../../lib/trove/sql.ts';
import { feature, functionalSuite, need } from './support.ts';

describe('functional 5: replica', () => {
  const s = functionalSuite('05-replica');
  const password = newPassword();
  const state: { primary?: string; primaryHost?: string; replica?: string; replicaHost?: string; db?: string; user?: string } = {};

  s.setup(async () => {
    const inst = await createInstance(s.t, { what: 'primary' });
    state.primaryHost = tenantAddress(await waitInstance(s.t, inst.id));
    state.primary = inst.id;
    const db = sqlName(s.t.runId, 'rp');
    const user = sqlName(s.t.runId, 'rpu');
    await createDatabase(s.t, inst.id, db);
    await createUser(s.t, inst.id, user, password, [db]);
    Object.assign(state, { db, user });
  });

  it('create a replica of the primary: ACTIVE, and each names the other', async () => {
    await feature('5. replica', 'create a replica');
    s.prepared();
    const primary = need(state.primary, 'a primary');
    const r = await createReplica(s.t, primary, 'replica').catch((e: Error) => {
      throw new Error(`replica create refused: ${e.message}; the request id above finds the cause in the trove-api log (replication needs the primary's guest agent to support it)`);
    });
    const ready = await waitInstance(s.t, r.id).catch((e: Error) => {
      throw new Error(`replica build failed: ${e.message}; a replica needs the site's guest agent to answer backup_required_for_replication and get_replication_snapshot on the primary and attach_replica on the replica`);
    });
    state.replica = r.id;
    state.replicaHost = tenantAddress(ready);
    assert.equal(ready.replica_of?.id, primary, 'the replica does not name its primary');
    const p = await step(`GET /instances/${primary}`, () => s.t.trove.showInstance(primary));
    await attachJson('primary replicas', p.replicas ?? []);
    assert.ok(p.replicas?.some((x) => x.id === r.id), 'the primary does not list the replica');
  });

  it('a row written on the primary is read on the replica (lag measured)', async () => {
    await feature('5. replica', 'replication primary -> replica');
    s.prepared();
    const login = (host: string | undefined) => ({ host: need(host, 'an address'), user: need(state.user, 'a user'), password, database: need(state.db, 'a database') });
    const lags: number[] = [];
    for (let i = 0; i < 3; i++) lags.push(await measureReplicationLag(login(state.primaryHost), login(state.replicaHost), `${s.t.runId}-${i}`));
    await attachJson('replication lag (ms)', { samples: lags, max: Math.max(...lags) });
  });

  it('detach the replica: it no longer follows the primary and takes writes of its own', async () => {
    await feature('5. replica', 'detach');
    s.prepared();
    const replica = need(state.replica, 'a replica');
    await detachReplica(s.t, replica);
    const p = await s.t.trove.showInstance(need(state.primary, 'a primary'));
    assert.ok(!p.replicas?.some((x) => x.id === replica), 'the primary still lists the replica');
    await step(`SQL on the detached ${state.replicaHost}: a write succeeds`, () =>
      withSql(need(state.replicaHost, 'an address'), need(state.user, 'a user'), password, need(state.db, 'a database'), async (c) => {
        await c.query('INSERT INTO repl_probe (marker) VALUES (?)', [`${s.t.runId}-detached`]);
        assert.equal((await rows(c, 'SELECT marker FROM repl_probe WHERE marker = ?', [`${s.t.runId}-detached`])).length, 1);
      }),
    );
  });
});
