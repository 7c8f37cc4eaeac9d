// Trove 18 backup and restore in the running lab, through the real clients:
// `openstack database instance/db/user/backup ...` (troveclient 8) against the
// three trove-api, `openstack object ...` against the lab Swift, and SQL from
// the tenant network (198.18.20.1) with mysql2.
//
// An instance is made and loaded with a known dataset; `backup create` makes
// trove-api cast create_backup to the lab guest agent in the instance's
// micro-VM, which runs mariabackup | gzip into the tenant's Swift container
// database_backups through proxy.polex.io:8080 (the trove-mgmt1 VIP, HAProxy ->
// the controllers' swift-proxy) with the user's token, and reports BUILDING then
// COMPLETED to the conductor. The object is checked in Swift (name, ETag =
// checksum, metadata), a second instance is created `--backup` from it (the
// guest restores before MariaDB's first start), every table's CHECKSUM TABLE
// and row count must match, the backup is deleted (the taskmanager removes the
// Swift object) and both instances go. No ERROR/Traceback in any Trove log
// since this file started.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { waitFor } from '../../lab/sh.ts';
import { DATASTORE, FLAVOR } from '../../lab/steps/trove.ts';
import { LAB_VMS_DIR } from '../../lab/steps/cloud.ts';
import { deletedInstanceLogAllowance } from '../../lib/trove/instances.ts';
import { agentRssMiB, tenantIpOf, troveLabCli, troveLogWatch, waitSqlLogin, withSql } from './trove-lab-cli.ts';
import { ensureLabUp, say } from './support.ts';

const TABLES = ['customers', 'orders', 'notes'] as const;

describe('Trove backup and restore with the lab guest agent', function () {
  this.timeout(20 * 60_000);
  let home = '';
  let logs: ReturnType<typeof troveLogWatch>;
  const made: { instances: string[]; backups: string[] } = { instances: [], backups: [] };
  let tenantNet = '';
  const appPassword = randomBytes(18).toString('hex');
  const source = { id: '', ip: '', serverId: '' };
  const restored = { id: '', ip: '' };
  let backup: Record<string, any> = {};
  let sourceSums: Record<string, string> = {};
  const figures: string[] = [];

  const cli = troveLabCli(() => home, [appPassword]);
  const { os, osJson, run } = cli;
  const waitActive = cli.waitActive;
  const sql = <T>(host: string, fn: (c: mysql.Connection) => Promise<T>) => withSql<T>(host, 'appuser', appPassword, 'appdb', fn);
  /** CHECKSUM TABLE and COUNT(*) of every table of the dataset. */
  const tableSums = (host: string) =>
    sql(host, async (c) => {
      const out: Record<string, string> = {};
      for (const t of TABLES) {
        const [sum] = (await c.query(`CHECKSUM TABLE ${t}`)) as unknown as [{ Checksum: string | number | null }[]];
        const [cnt] = (await c.query(`SELECT COUNT(*) AS n FROM ${t}`)) as unknown as [{ n: number }[]];
        out[t] = `${String(sum[0]!.Checksum)}/${cnt[0]!.n}`;
      }
      return out;
    });

  before(async function () {
    this.timeout(10 * 60_000);
    await ensureLabUp();
    home = mkdtempSync(join(tmpdir(), 'trove-ha-backup-test-'));
    logs = troveLogWatch();
    tenantNet = (await osJson<{ id: string }>('tenant', 'network', 'show', 'tenant')).id;
  });

  after(async function () {
    this.timeout(5 * 60_000);
    for (const id of made.backups) await run('tenant', ['database', 'backup', 'delete', id]);
    for (const id of made.instances) await run('admin', ['database', 'instance', 'force', 'delete', id]);
    for (const id of made.instances) await cli.waitGone(id, 120_000).catch(() => undefined);
    if (home) rmSync(home, { recursive: true, force: true });
    if (figures.length) say(`figures: ${figures.join('; ')}`);
  });

  it('an instance with a database, a user and a known dataset loaded over SQL from the tenant network', async () => {
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-backup-src', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`);
    made.instances.push(inst.id);
    source.id = inst.id;
    source.ip = tenantIpOf(await waitActive(inst.id, 'source instance'));
    assert.ok(source.ip, 'no tenant address on the source instance');
    source.serverId = await cli.serverOf(inst.id);
    await os('tenant', 'database', 'db', 'create', inst.id, 'appdb');
    await cli.createUser(inst.id, 'appuser', appPassword, 'appdb');
    const waited = await waitSqlLogin(source.ip, 'appuser', appPassword, 'appdb');
    say(`source ${inst.id} at ${source.ip} (first SQL login after ${(waited / 1000).toFixed(1)} s)`);
    await sql(source.ip, async (c) => {
      await c.query('CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, balance DECIMAL(12,2), born DATE, active TINYINT(1)) ENGINE=InnoDB');
      await c.query('CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DOUBLE, note TEXT, created DATETIME(6), KEY (customer_id)) ENGINE=InnoDB');
      await c.query('CREATE TABLE notes (k VARCHAR(32) PRIMARY KEY, body BLOB, tags JSON) ENGINE=InnoDB');
      for (let batch = 0; batch < 10; batch++) {
        const customers = Array.from({ length: 200 }, (_, i) => {
          const id = batch * 200 + i + 1;
          return [id, `customer-${id}-${'x'.repeat(id % 17)}`, (id * 37.25) % 100000, `19${50 + (id % 50)}-0${1 + (id % 9)}-1${id % 9}`, id % 3 === 0 ? 1 : 0];
        });
        await c.query('INSERT INTO customers VALUES ?', [customers]);
        const orders = Array.from({ length: 500 }, (_, i) => {
          const n = batch * 500 + i + 1;
          return [1 + (n % 2000), n * 1.125, `order ${n} ${'lorem ipsum '.repeat(n % 7)}`, `2026-0${1 + (n % 9)}-1${n % 9} 12:${String(n % 60).padStart(2, '0')}:00.${String(n % 1000000).padStart(6, '0')}`];
        });
        await c.query('INSERT INTO orders (customer_id, amount, note, created) VALUES ?', [orders]);
      }
      const notes = Array.from({ length: 300 }, (_, i) => [`note-${i}`, Buffer.from(Array.from({ length: 256 }, (_, b) => (b * (i + 1)) % 256)), JSON.stringify({ i, even: i % 2 === 0, tags: ['a', `t${i % 5}`] })]);
      await c.query('INSERT INTO notes VALUES ?', [notes]);
    });
    sourceSums = await tableSums(source.ip);
    say(`source ${source.id}: ${JSON.stringify(sourceSums)}`);
    assert.equal(sourceSums.customers!.split('/')[1], '2000');
    assert.equal(sourceSums.orders!.split('/')[1], '5000');
    assert.equal(sourceSums.notes!.split('/')[1], '300');
  });

  it('backup create: BUILDING then COMPLETED, reported by the guest through the conductor', async () => {
    assert.ok(source.id, 'no source instance (previous test failed)');
    const t0 = Date.now();
    const created = await osJson('tenant', 'database', 'backup', 'create', '--instance', source.id, 'trove-ha-backup-1');
    made.backups.push(created.id);
    const states = new Set<string>();
    let rssPeak = 0;
    await waitFor(
      `backup ${created.id} COMPLETED`,
      async () => {
        backup = await osJson('tenant', 'database', 'backup', 'show', created.id);
        states.add(String(backup.status));
        rssPeak = Math.max(rssPeak, agentRssMiB(source.serverId));
        if (backup.status === 'FAILED') throw new Error(`backup ${created.id} FAILED (guest log: ${join(LAB_VMS_DIR, source.serverId, 'log', 'guest-agent.log')})`);
        return backup.status === 'COMPLETED';
      },
      300_000,
      1000,
    );
    const seconds = (Date.now() - t0) / 1000;
    say(`backup ${created.id}: ${[...states].join(' -> ')} in ${seconds.toFixed(1)} s; size ${backup.size} GB (Trove: the data volume's used GB); location ${backup.locationRef ?? backup.location_ref}`);
    figures.push(`backup create -> COMPLETED ${seconds.toFixed(1)} s`, `agent RSS during backup (peak of 1 s samples) ${rssPeak.toFixed(0)} MiB`);
    assert.equal(backup.instance_id, source.id);
    const location = String(backup.locationRef ?? backup.location_ref ?? '');
    // swift_url of the guest config (proxy.polex.io = the trove-mgmt1 VIP) + the tenant's project id.
    assert.match(location, new RegExp(`^http://proxy\\.polex\\.io:8080/v1/AUTH_[0-9a-f]{32}/database_backups/${created.id}\\.xbstream\\.gz$`));
    assert.equal(typeof backup.size, 'number');
    assert.ok(backup.size > 0 && backup.size <= FLAVOR.disk, `backup size ${backup.size} GB: the VM's volume usage, within the flavor's ${FLAVOR.disk} GB disk (else trove-api refuses the restore)`);
    const instanceAfter = await osJson('tenant', 'database', 'instance', 'show', source.id);
    assert.equal(instanceAfter.status, 'ACTIVE', 'the source instance did not return to ACTIVE after the backup');
  });

  it('the object is in the tenant\'s Swift: <id>.xbstream.gz, ETag = the checksum Trove recorded, datastore metadata, no upload segment left', async () => {
    assert.ok(backup.id, 'no backup (previous test failed)');
    const obj = await osJson('tenant', 'object', 'show', 'database_backups', `${backup.id}.xbstream.gz`);
    const dbRow = await osJson('admin', 'database', 'backup', 'show', backup.id);
    const props = JSON.stringify(obj.properties ?? obj);
    // OSC prints the X-Object-Meta-* headers as properties (a dict in JSON, key='value' text in older versions).
    assert.match(props, /datastore\W+mysql/i, `metadata: ${props}`);
    assert.match(props, /datastore-version\W+5\.7\.29/i, `metadata: ${props}`);
    assert.match(props, /lsn\W+\d+/i, `metadata: ${props}`);
    // troveclient's backup show omits the checksum; Trove verifies it against Swift on restore (verify_swift_checksum_on_restore).
    assert.match(String(obj.etag), /^[0-9a-f]{32}$/);
    const bytes = Number(obj.content_length ?? obj['content-length']);
    assert.ok(bytes > 100_000, `object only ${bytes} bytes`);
    figures.push(`backup object ${(bytes / 1024 / 1024).toFixed(2)} MiB (gzip'd xbstream)`);
    say(`Swift: ${backup.id}.xbstream.gz ${bytes} bytes, etag ${obj.etag}; backup row status ${dbRow.status}`);
    const listed = await osJson<{ Name: string }[]>('tenant', 'object', 'list', 'database_backups');
    assert.ok(!listed.some((o) => o.Name === `${backup.id}_00000000`), 'the upload segment was left behind');
  });

  it('instance create --backup: the restored instance has every table with the same checksum and row count', async () => {
    assert.ok(backup.id, 'no backup (previous test failed)');
    const t0 = Date.now();
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-backup-restored', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`, '--backup', backup.id);
    made.instances.push(inst.id);
    restored.id = inst.id;
    restored.ip = tenantIpOf(await waitActive(inst.id, 'restored instance'));
    const seconds = (Date.now() - t0) / 1000;
    await waitSqlLogin(restored.ip, 'appuser', appPassword, 'appdb');
    figures.push(`restore create -> ACTIVE/HEALTHY ${seconds.toFixed(1)} s`);
    say(`restored instance ${inst.id} ACTIVE/HEALTHY in ${seconds.toFixed(1)} s at ${restored.ip}`);
    const sums = await tableSums(restored.ip);
    assert.deepEqual(sums, sourceSums, 'table checksums differ between the source and the restored instance');
    const dbs = (await osJson<{ Name: string }[]>('tenant', 'database', 'db', 'list', inst.id)).map((d) => d.Name);
    assert.ok(dbs.includes('appdb'), `databases on the restored instance: ${dbs.join(', ')}`);
    const users = (await osJson<{ Name: string }[]>('tenant', 'database', 'user', 'list', inst.id)).map((u) => u.Name);
    assert.ok(users.includes('appuser'), `users on the restored instance: ${users.join(', ')}`);
    // The restored server takes writes (not read-only, InnoDB redo log in order).
    await sql(restored.ip, (c) => c.query("INSERT INTO notes VALUES ('after-restore', NULL, NULL)"));
  });

  it('backup delete: the taskmanager removes the Swift object, the backup is gone', async () => {
    assert.ok(backup.id, 'no backup (previous test failed)');
    await os('tenant', 'database', 'backup', 'delete', backup.id);
    await waitFor(`backup ${backup.id} gone from Trove`, async () => (await run('tenant', ['database', 'backup', 'show', backup.id])).code !== 0, 120_000, 1000);
    made.backups.splice(made.backups.indexOf(backup.id), 1);
    const show = await run('tenant', ['object', 'show', 'database_backups', `${backup.id}.xbstream.gz`]);
    assert.notEqual(show.code, 0, 'the Swift object is still there');
    assert.match(show.stderr + show.stdout, /404|Not Found/i);
  });

  it('both instances delete', async () => {
    for (const id of [source.id, restored.id].filter(Boolean)) await os('tenant', 'database', 'instance', 'delete', id);
    for (const id of [source.id, restored.id].filter(Boolean)) {
      await cli.waitGone(id);
      made.instances.splice(made.instances.indexOf(id), 1);
    }
  });

  it('no ERROR or Traceback in any Trove service log since this file started', () => {
    const bad = logs.errors([deletedInstanceLogAllowance([source.id, restored.id].filter(Boolean))]);
    assert.deepEqual(bad.slice(0, 12), [], `${bad.length} ERROR/Traceback lines in the Trove logs`);
  });
});
