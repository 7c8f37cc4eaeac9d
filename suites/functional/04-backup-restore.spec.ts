// Item 4 of the documents' functional list: load a known dataset, back it up,
// find the backup object in Swift, restore it into a new instance and compare
// a checksum of every table. On a site whose guest agent cannot back up, the
// backup wait fails early and says so (the backup never leaves NEW).
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { createInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createDatabase, createUser } from '../../lib/trove/databases.ts';
import { createBackup, swiftLocation, waitBackup } from '../../lib/trove/backups.ts';
import { newPassword, tableChecksums, withSql } from '../../lib/trove/sql.ts';
import { feature, functionalSuite, need } from './support.ts';

/** The known dataset: three tables, a few hundred rows, generated deterministically. */
async function loadDataset(c: import('../../lib/trove/sql.ts').Sql): Promise<void> {
  await c.query('CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(40), created DATE)');
  await c.query('CREATE TABLE orders (id INT PRIMARY KEY, customer INT, amount DECIMAL(10,2), note TEXT)');
  await c.query('CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY, weight DOUBLE)');
  const customers = Array.from({ length: 200 }, (_, i) => [i + 1, `customer ${i + 1}`, `2026-01-${String((i % 28) + 1).padStart(2, '0')}`]);
  const orders = Array.from({ length: 500 }, (_, i) => [i + 1, (i % 200) + 1, ((i * 37) % 10000) / 100, `order ${i + 1} ${'x'.repeat(i % 50)}`]);
  const tags = Array.from({ length: 20 }, (_, i) => [`tag${i}`, i / 7]);
  await c.query('INSERT INTO customers VALUES ?', [customers]);
  await c.query('INSERT INTO orders VALUES ?', [orders]);
  await c.query('INSERT INTO tags VALUES ?', [tags]);
}

describe('functional 4: backup and restore', () => {
  const s = functionalSuite('04-backup-restore');
  const password = newPassword();
  const state: { id?: string; host?: string; db?: string; user?: string; checksums?: Record<string, string>; backup?: string; location?: string } = {};

  s.setup(async () => {
    const inst = await createInstance(s.t, { what: 'backup-src' });
    state.host = tenantAddress(await waitInstance(s.t, inst.id));
    state.id = inst.id;
    const db = sqlName(s.t.runId, 'bk');
    const user = sqlName(s.t.runId, 'bku');
    await createDatabase(s.t, inst.id, db);
    await createUser(s.t, inst.id, user, password, [db]);
    Object.assign(state, { db, user });
    state.checksums = await step(`load the dataset into ${db} and checksum every table`, () =>
      withSql(state.host!, user, password, db, async (c) => {
        await loadDataset(c);
        return tableChecksums(c, db);
      }),
    );
    await attachJson('dataset checksums', state.checksums);
  });

  it('back up the instance: the backup reaches COMPLETED', async () => {
    await feature('4. backup and restore', 'backup');
    s.prepared();
    const b = await createBackup(s.t, need(state.id, 'an instance'), 'backup');
    const done = await waitBackup(s.t, b.id);
    state.backup = b.id;
    state.location = need(done.locationRef, 'a backup location');
    await attachJson('backup', { id: done.id, status: done.status, size: done.size, location: done.locationRef, seconds: done.waitedMs / 1000 });
  });

  it('the backup object exists in Swift', async () => {
    await feature('4. backup and restore', 'backup object in Swift');
    s.prepared();
    const { container, object } = swiftLocation(need(state.location, 'a completed backup'));
    s.t.record({ kind: 'swift-prefix', id: need(state.backup, 'a backup'), name: `backup ${state.backup}`, container });
    const head = await step(`HEAD ${container}/${object}`, () => s.t.swift.headObject(container, object));
    await attachJson('object', head);
    assert.ok(head.contentLength > 0, 'the backup object is empty');
  });

  it('restore into a new instance: every table has the same checksum', async () => {
    await feature('4. backup and restore', 'restore and compare');
    s.prepared();
    const backup = need(state.backup, 'a completed backup');
    const db = need(state.db, 'a database');
    const restored = await createInstance(s.t, { what: 'restored', restoreFrom: backup });
    const host = tenantAddress(await waitInstance(s.t, restored.id));
    // Users are part of the backup: the same login works on the restored instance.
    const checksums = await step(`checksum every table of ${db} on the restored instance ${host}`, () => withSql(host, need(state.user, 'a user'), password, db, (c) => tableChecksums(c, db)));
    await attachJson('restored checksums', checksums);
    assert.deepEqual(checksums, state.checksums);
    await restored.remove();
  });
});
