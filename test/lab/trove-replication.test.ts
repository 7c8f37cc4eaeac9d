// Trove 18 replication in the running lab, through the real `openstack
// database` CLI and SQL from the tenant network: `instance create --replica-of`
// makes the taskmanager call get_replication_snapshot on the primary's guest
// (replica_source overrides, a full backup to Swift, a replication user), then
// prepare the replica from that backup with the snapshot (replica overrides,
// gtid_slave_pos from the backup, CHANGE MASTER ... MASTER_USE_GTID=slave_pos).
// Rows written on the primary must show up on the replica (lag measured per
// row), the replica refuses a tenant user's writes (read_only), and `instance
// detach` turns it into a writable standalone that no longer follows. The
// snapshot backup is removed by the taskmanager once the replica is up.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../lab/sh.ts';
import { DATASTORE, FLAVOR } from '../../lab/steps/trove.ts';
import { deletedInstanceLogAllowance } from '../../lib/trove/instances.ts';
import { agentRssMiB, tenantIpOf, troveLabCli, troveLogWatch, waitSqlLogin, withSql } from './trove-lab-cli.ts';
import { ensureLabUp, say } from './support.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Trove replication with the lab guest agent', function () {
  before(function () {
  });
  this.timeout(25 * 60_000);
  let home = '';
  const appPassword = randomBytes(18).toString('hex');
  const cli = troveLabCli(() => home, [appPassword]);
  const { os, osJson, run } = cli;
  let logs: ReturnType<typeof troveLogWatch>;
  const made: string[] = [];
  let tenantNet = '';
  const primary = { id: '', ip: '', serverId: '' };
  const replica = { id: '', ip: '', serverId: '' };
  const figures: string[] = [];
  const sql = <T>(host: string, fn: Parameters<typeof withSql<T>>[4]) => withSql<T>(host, 'appuser', appPassword, 'appdb', fn);
  const rowOn = async (host: string, id: number): Promise<boolean> =>
    sql(host, async (c) => ((await c.query('SELECT 1 FROM t WHERE id = ?', [id])) as unknown as [unknown[]])[0].length === 1);

  before(async function () {
    this.timeout(10 * 60_000);
    await ensureLabUp();
    home = mkdtempSync(join(tmpdir(), 'trove-ha-replication-test-'));
    logs = troveLogWatch();
    tenantNet = (await osJson<{ id: string }>('tenant', 'network', 'show', 'tenant')).id;
  });

  after(async function () {
    this.timeout(5 * 60_000);
    for (const id of made) await run('admin', ['database', 'instance', 'force', 'delete', id]);
    for (const id of made) await cli.waitGone(id, 120_000).catch(() => undefined);
    if (home) rmSync(home, { recursive: true, force: true });
    if (figures.length) say(`figures: ${figures.join('; ')}`);
  });

  it('a primary with a database, a user and rows', async () => {
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-primary', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`);
    made.push(inst.id);
    primary.id = inst.id;
    primary.ip = tenantIpOf(await cli.waitActive(inst.id, 'primary'));
    primary.serverId = await cli.serverOf(inst.id);
    await os('tenant', 'database', 'db', 'create', inst.id, 'appdb');
    await cli.createUser(inst.id, 'appuser', appPassword, 'appdb');
    const waited = await waitSqlLogin(primary.ip, 'appuser', appPassword, 'appdb');
    say(`primary ${inst.id} at ${primary.ip} (first SQL login after ${(waited / 1000).toFixed(1)} s)`);
    await sql(primary.ip, async (c) => {
      await c.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB');
      await c.query('INSERT INTO t (id, v) VALUES ?', [Array.from({ length: 100 }, (_, i) => [i + 1, `before replica ${i + 1}`])]);
    });
  });

  it('instance create --replica-of: the replica reaches ACTIVE/HEALTHY with the primary\'s rows, both sides show the link', async () => {
    assert.ok(primary.ip, 'no primary (previous test failed)');
    const t0 = Date.now();
    // A replica takes the primary's datastore (trove-api refuses --datastore with --replica-of) and flavor.
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-replica', '--nic', `net-id=${tenantNet}`, '--replica-of', primary.id);
    made.push(inst.id);
    replica.id = inst.id;
    const shown = await cli.waitActive(inst.id, 'replica', 420_000);
    replica.ip = tenantIpOf(shown);
    replica.serverId = await cli.serverOf(inst.id);
    await waitSqlLogin(replica.ip, 'appuser', appPassword, 'appdb');
    const seconds = (Date.now() - t0) / 1000;
    figures.push(`replica create -> ACTIVE/HEALTHY ${seconds.toFixed(1)} s`);
    say(`replica ${inst.id} ACTIVE/HEALTHY in ${seconds.toFixed(1)} s at ${replica.ip}`);
    assert.match(JSON.stringify(shown.replica_of ?? shown), new RegExp(primary.id), `replica show: ${JSON.stringify(shown)}`);
    const p = await osJson('tenant', 'database', 'instance', 'show', primary.id);
    assert.match(JSON.stringify(p.replicas ?? p), new RegExp(inst.id), `primary show: ${JSON.stringify(p)}`);
    const [[n]] = (await sql(replica.ip, (c) => c.query('SELECT COUNT(*) AS n FROM t'))) as unknown as [[{ n: number }]];
    assert.equal(n.n, 100);
    // The replication snapshot (a backup row + Swift object) goes once the replica is up.
    await waitFor(
      'the replication snapshot backup removed',
      async () => !(await osJson<{ Name: string }[]>('tenant', 'database', 'backup', 'list')).some((b) => /Replication snapshot/.test(b.Name)),
      120_000,
      2000,
    );
  });

  it('rows written on the primary arrive on the replica (lag measured); the replica refuses a tenant user\'s write', async () => {
    assert.ok(replica.ip, 'no replica (previous test failed)');
    const lags: number[] = [];
    for (let i = 0; i < 20; i++) {
      const id = 1000 + i;
      await sql(primary.ip, (c) => c.query('INSERT INTO t (id, v) VALUES (?, ?)', [id, `after replica ${i}`]));
      const t0 = performance.now();
      for (;;) {
        if (await rowOn(replica.ip, id)) break;
        if (performance.now() - t0 > 30_000) throw new Error(`row ${id} did not reach the replica within 30 s`);
        await sleep(20);
      }
      lags.push(performance.now() - t0);
    }
    lags.sort((a, b) => a - b);
    const median = lags[Math.floor(lags.length / 2)]!;
    figures.push(`replication lag (write on primary -> row visible on replica, 20 rows, 20 ms polling incl. one SQL login per poll): median ${median.toFixed(0)} ms, max ${lags.at(-1)!.toFixed(0)} ms`);
    say(`replication lag: median ${median.toFixed(0)} ms, max ${lags.at(-1)!.toFixed(0)} ms`);
    await assert.rejects(sql(replica.ip, (c) => c.query("INSERT INTO t (id, v) VALUES (9999, 'on replica')")), /read-only|read_only|1290/i);
    figures.push(`agent RSS primary ${agentRssMiB(primary.serverId).toFixed(0)} MiB, replica ${agentRssMiB(replica.serverId).toFixed(0)} MiB`);
  });

  it('instance detach: the replica becomes standalone and writable, and no longer follows the primary', async () => {
    assert.ok(replica.ip, 'no replica (previous test failed)');
    await os('tenant', 'database', 'instance', 'detach', replica.id);
    await waitFor(
      `replica ${replica.id} detached`,
      async () => {
        const s = await osJson('tenant', 'database', 'instance', 'show', replica.id);
        return s.status === 'ACTIVE' && !s.replica_of;
      },
      180_000,
      1000,
    );
    await sql(replica.ip, (c) => c.query("INSERT INTO t (id, v) VALUES (9999, 'on detached replica')"));
    await sql(primary.ip, (c) => c.query("INSERT INTO t (id, v) VALUES (5000, 'after detach')"));
    // Bounded proof of absence: a replicated row arrived within ~100 ms above; give it 5 s.
    await sleep(5000);
    assert.equal(await rowOn(replica.ip, 5000), false, 'the detached replica still receives rows');
    const p = await osJson('tenant', 'database', 'instance', 'show', primary.id);
    assert.doesNotMatch(JSON.stringify(p.replicas ?? ''), new RegExp(replica.id), 'the primary still lists the replica');
  });

  it('both instances delete; no ERROR or Traceback in any Trove log since this file started', async () => {
    for (const id of [replica.id, primary.id].filter(Boolean)) await os('tenant', 'database', 'instance', 'delete', id);
    for (const id of [replica.id, primary.id].filter(Boolean)) {
      await cli.waitGone(id);
      made.splice(made.indexOf(id), 1);
    }
    const bad = logs.errors([deletedInstanceLogAllowance([replica.id, primary.id].filter(Boolean))]);
    assert.deepEqual(bad.slice(0, 12), [], `${bad.length} ERROR/Traceback lines in the Trove logs`);
  });
});
