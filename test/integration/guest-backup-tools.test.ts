// The lab guest's backup pipelines with the REAL tools on a throwaway MariaDB
// (no Swift here; the lab test covers Swift and Trove): mariabackup
// --stream=xbstream | gzip as the agent runs it, the stream's MD5; then
// gunzip | mbstream -x, mariabackup --prepare, and a second mariadbd on the
// restored datadir must hold the same rows (CHECKSUM TABLE). A wrong password
// makes the backup fail with mariabackup's own reason.
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_TOOLS, Md5Tap, prepareRestored, startBackup, unpackBackup } from '../../lab/guest/backup/mariabackup.ts';
import { completedOk, lsnFromLog } from '../../lab/guest/backup/naming.ts';
import { startMariadb, type Mariadb } from '../support/mariadb.ts';

describe('lab guest backup pipelines with real mariabackup/mbstream', function () {
  this.timeout(120_000);
  let dir = '';
  let src: Mariadb | undefined;
  let dst: Mariadb | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'guest-backup-tools-'));
    src = await startMariadb(join(dir, 'src'));
    src.sql("CREATE USER os_admin@localhost IDENTIFIED BY 'adm-pw-1234'; GRANT ALL ON *.* TO os_admin@localhost WITH GRANT OPTION");
    src.sql('CREATE DATABASE d1; CREATE TABLE d1.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB');
    src.sql(`INSERT INTO d1.t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'row ${i}')`).join(',')}`);
    writeFileSync(join(dir, 'src', 'my.cnf'), `[mysqld]\ndatadir=${join(dir, 'src', 'data')}\n`);
  });

  after(async () => {
    await dst?.stop();
    await src?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('backup -> gzip -> unpack -> prepare -> the restored server has the same table checksum', async () => {
    const sourceSum = src!.sql('CHECKSUM TABLE d1.t').trim();
    const backup = startBackup(DEFAULT_TOOLS, { myCnf: join(dir, 'src', 'my.cnf'), socket: join(dir, 'src', 'mysqld.sock'), user: 'os_admin', password: 'adm-pw-1234', logFile: join(dir, 'mariabackup.log') });
    const tap = new Md5Tap();
    const [, log] = await Promise.all([pipeline(backup.stream, tap, createWriteStream(join(dir, 'b.xbstream.gz'))), backup.finished]);
    const md5 = tap.digest();
    assert.ok(completedOk(log));
    assert.match(lsnFromLog(log) ?? '', /^\d+$/);
    assert.ok(tap.bytes > 10_000, `backup only ${tap.bytes} bytes`);
    const data = join(dir, 'dst', 'data');
    mkdirSync(data, { recursive: true });
    const r = await unpackBackup(DEFAULT_TOOLS, { body: createReadStream(join(dir, 'b.xbstream.gz')), datadir: data, aesKey: null });
    assert.deepEqual(r, { bytes: tap.bytes, md5 });
    await prepareRestored(DEFAULT_TOOLS, data);
    dst = await startMariadb(join(dir, 'dst'), { install: false });
    assert.equal(dst.sql('CHECKSUM TABLE d1.t').trim(), sourceSum);
  });

  it('a backup with a wrong password fails with mariabackup\'s reason', async () => {
    const backup = startBackup(DEFAULT_TOOLS, { myCnf: join(dir, 'src', 'my.cnf'), socket: join(dir, 'src', 'mysqld.sock'), user: 'os_admin', password: 'wrong', logFile: join(dir, 'bad.log') });
    backup.stream.resume();
    await assert.rejects(backup.finished, /exited with 1: .*Access denied for user 'os_admin'@'localhost'/);
  });
});
