// Item 3 of the documents' functional list: databases and users created,
// listed and deleted through Trove, access granted, and a real SQL login as the
// created user from the tenant network that reads and writes rows.
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { createInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createDatabase, createUser, deleteDatabase, deleteUser, grantAccess } from '../../lib/trove/databases.ts';
import { connectSql, newPassword, rows, withSql } from '../../lib/trove/sql.ts';
import { feature, functionalSuite, need } from './support.ts';

describe('functional 3: databases and users', () => {
  const s = functionalSuite('03-databases-users');
  const password = newPassword();
  const state: { id?: string; host?: string; db1?: string; db2?: string; user?: string } = {};

  s.setup(async () => {
    const inst = await createInstance(s.t, { what: 'dbuser' });
    state.host = tenantAddress(await waitInstance(s.t, inst.id));
    state.id = inst.id;
  });

  it('create two databases; both are listed', async () => {
    await feature('3. databases and users', 'databases');
    s.prepared();
    const id = need(state.id, 'an instance');
    const [db1, db2] = [sqlName(s.t.runId, 'da'), sqlName(s.t.runId, 'db')];
    await createDatabase(s.t, id, db1);
    await createDatabase(s.t, id, db2);
    const listed = (await step(`GET /instances/${id}/databases`, () => s.t.trove.listDatabases(id))).map((d) => d.name);
    assert.ok(listed.includes(db1) && listed.includes(db2), `databases listed: ${listed.join(', ')}`);
    Object.assign(state, { db1, db2 });
  });

  it('create a user with access to one database, then grant it the second', async () => {
    await feature('3. databases and users', 'users and grants');
    s.prepared();
    const id = need(state.id, 'an instance');
    const db1 = need(state.db1, 'database 1');
    const db2 = need(state.db2, 'database 2');
    const user = sqlName(s.t.runId, 'u');
    await createUser(s.t, id, user, password, [db1]);
    state.user = user;
    const listed = await step(`GET /instances/${id}/users`, () => s.t.trove.listUsers(id));
    await attachJson('users', listed);
    const u = listed.find((x) => x.name === user);
    assert.ok(u, `user ${user} not listed`);
    assert.deepEqual(u.databases.map((d) => d.name), [db1]);
    await grantAccess(s.t, id, user, [db2]);
    const access = (await s.t.trove.listAccess(id, user)).map((d) => d.name).sort();
    assert.deepEqual(access, [db1, db2].sort());
  });

  it('connect as that user from the tenant network: write and read rows in both databases, nothing beyond the grants', async () => {
    await feature('3. databases and users', 'connect from the tenant network');
    s.prepared();
    const host = need(state.host, 'an instance address');
    const user = need(state.user, 'a user');
    for (const db of [need(state.db1, 'database 1'), need(state.db2, 'database 2')]) {
      await step(`SQL as ${user} to ${host}/${db}: create a table, insert and read rows`, () =>
        withSql(host, user, password, db, async (c) => {
          await c.query('CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(32))');
          await c.query('INSERT INTO items VALUES (1, ?), (2, ?)', ['one', db]);
          const got = await rows<{ id: number; label: string }>(c, 'SELECT id, label FROM items ORDER BY id');
          assert.deepEqual(got, [{ id: 1, label: 'one' }, { id: 2, label: db }]);
        }),
      );
    }
    await step(`SQL as ${user}: mysql.user is out of reach`, () =>
      withSql(host, user, password, undefined, async (c) => {
        await assert.rejects(c.query('SELECT COUNT(*) FROM mysql.user'), /denied/i, `${user} can read mysql.user`);
      }),
    );
  });

  it('delete the user and a database: gone from the lists, and the login is refused', async () => {
    await feature('3. databases and users', 'delete');
    s.prepared();
    const id = need(state.id, 'an instance');
    const host = need(state.host, 'an instance address');
    const user = need(state.user, 'a user');
    const db2 = need(state.db2, 'database 2');
    await deleteUser(s.t, id, user);
    await deleteDatabase(s.t, id, db2);
    const dbs = (await s.t.trove.listDatabases(id)).map((d) => d.name);
    assert.ok(!dbs.includes(db2), `database ${db2} still listed`);
    assert.ok(dbs.includes(need(state.db1, 'database 1')), 'the other database went too');
    await step(`SQL login as the deleted ${user} is refused`, () => assert.rejects(connectSql(host, user, password), /denied|ER_ACCESS_DENIED/i));
  });
});
