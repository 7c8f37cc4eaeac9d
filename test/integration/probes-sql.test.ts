// sqlWriteProbe against a real MariaDB on 127.0.0.1: acknowledged writes, a
// frozen server (SIGSTOP by its PID) that makes writes time out, reconnection
// after it thaws, and the lost-writes check on the final read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lostWrites, outageWindows } from '../../lib/checks/history.ts';
import { sqlWriteProbe, type SqlEndpoint } from '../../lib/probes/sql-write-probe.ts';
import { startMariadb, type Mariadb } from '../support/mariadb.ts';

const PASSWORD = 'probe-secret-5c1d';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sqlWriteProbe against a real MariaDB', function () {
  this.timeout(90_000);
  let dir = '';
  let db: Mariadb | undefined;
  let endpoint: SqlEndpoint;

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('these tests run mariadbd --user=root; run them as root');
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-mariadb-'));
    db = await startMariadb(dir);
    db.sql(`CREATE DATABASE trove_ha_probe; CREATE USER 'probe'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON trove_ha_probe.* TO 'probe'@'127.0.0.1'`);
    endpoint = { host: '127.0.0.1', port: db.port, user: 'probe', password: PASSWORD, database: 'trove_ha_probe' };
  });

  after(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates its table, writes sequential keys, and every acknowledged key is read back', async () => {
    const probe = sqlWriteProbe(endpoint, { intervalMs: 20, maxDurationMs: 10_000 });
    probe.start();
    await sleep(600);
    const h = await probe.stop();
    assert.ok(h.length >= 10, `${h.length} writes`);
    assert.deepEqual(h.map((e) => e.key), h.map((_, i) => i + 1));
    assert.ok(h.every((e) => e.ok), JSON.stringify(h.filter((e) => !e.ok)));
    const read = await probe.finalRead();
    assert.deepEqual(lostWrites(probe.acknowledgedKeys(), read).missing, []);
    assert.equal(db!.sql(`SELECT COUNT(*) FROM trove_ha_probe.trove_ha_probe_writes WHERE run = '${probe.runId}'`).trim(), String(h.length));
  });

  it('records timeouts while the server is frozen, reconnects after it thaws, loses nothing acknowledged', async () => {
    const probe = sqlWriteProbe(endpoint, { intervalMs: 20, maxDurationMs: 20_000, queryTimeoutMs: 300, connectTimeoutMs: 300 });
    probe.start();
    await sleep(400);
    process.kill(db!.pid, 'SIGSTOP');
    try {
      await sleep(1200);
    } finally {
      process.kill(db!.pid, 'SIGCONT');
    }
    await sleep(1000);
    const h = await probe.stop();
    const outages = outageWindows(h);
    assert.equal(outages.windows.length, 1, JSON.stringify(outages.windows));
    assert.ok(outages.windows[0]!.durationMs >= 900, `${outages.windows[0]!.durationMs} ms`);
    assert.ok(h.at(-1)!.ok, 'writes succeed again after the thaw');
    assert.ok(!JSON.stringify(h).includes(PASSWORD), 'the password is in no history entry');
    const result = lostWrites(probe.acknowledgedKeys(), await probe.finalRead());
    assert.deepEqual(result.missing, []);
    assert.ok(result.findings[0]!.ok);
  });

  it('records refused connections as unacknowledged keys, and lostWrites catches a deleted row', async () => {
    const probe = sqlWriteProbe({ ...endpoint, password: 'wrong-password-x' }, { intervalMs: 20, maxDurationMs: 400 });
    probe.start();
    await sleep(700);
    const bad = await probe.stop();
    assert.ok(bad.length >= 2 && bad.every((e) => !e.ok && /^ER_ACCESS_DENIED_ERROR: /.test(e.detail!)), JSON.stringify(bad[0]));

    const good = sqlWriteProbe(endpoint, { intervalMs: 20, maxDurationMs: 10_000 });
    good.start();
    await sleep(300);
    await good.stop();
    db!.sql(`DELETE FROM trove_ha_probe.trove_ha_probe_writes WHERE run = '${good.runId}' AND k = 2`);
    assert.deepEqual(lostWrites(good.acknowledgedKeys(), await good.finalRead()).missing, [2]);
  });
});
