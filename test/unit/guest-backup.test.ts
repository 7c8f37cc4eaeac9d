// The pure parts of the lab guest's backups, checked against Trove 18 itself:
// object naming and the location Trove's DBBackup splits into container and
// object (delete_backup and restore use that), metadata headers, the
// mariabackup log reading (recorded logs of real mariabackup 10.11 runs), and
// the update_backup casts fed through the REAL conductor Manager.update_backup
// (test/support/trove-update-backup.py), whose resulting row must say what
// Trove's own guest would have made it say. Also openssl-compatible decryption
// of a pre-Victoria *.enc backup made by the real openssl CLI.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { backupLocation, backupObjectName, completedOk, extraMetadata, isEncrypted, lastLine, lsnFromLog, metadataHeaders, parseLocation, segmentName, storageUrl } from '../../lab/guest/backup/naming.ts';
import { buildingState, completedState, failedState } from '../../lab/guest/backup/update-backup.ts';
import { unpackBackup, DEFAULT_TOOLS } from '../../lab/guest/backup/mariabackup.ts';
import { pyFloat, pyJsonDumps } from '../../lab/guest/oslo/py-json.ts';
import { mariadbSettings } from '../../lab/guest/mariadb/settings.ts';
import { guestConfigFromIni } from '../../lab/guest/config.ts';
import { parseIni } from '../../lab/guest/ini.ts';

const fixtures = fileURLToPath(new URL('../fixtures/guest/', import.meta.url));
const helper = fileURLToPath(new URL('../support/trove-update-backup.py', import.meta.url));
const BACKUP_ID = '2a1e3c4d-0b9f-4e7a-8c6d-5f4e3d2c1b0a';
const INSTANCE_ID = '7d6c5b4a-3f2e-4d1c-9b8a-0f1e2d3c4b5a';

describe('lab guest backups: naming, metadata, mariabackup logs, update_backup vs Trove 18', () => {
  it('names the object and its upload segment as Trove\'s backup image does', () => {
    assert.equal(backupObjectName(BACKUP_ID), `${BACKUP_ID}.xbstream.gz`);
    assert.equal(segmentName(backupObjectName(BACKUP_ID)), `${BACKUP_ID}_00000000`);
    assert.equal(segmentName('abc.xbstream.gz', 12), 'abc_00000012');
    assert.equal(storageUrl('http://proxy.polex.io:8080/v1/AUTH_', 'p1'), 'http://proxy.polex.io:8080/v1/AUTH_p1');
    assert.throws(() => storageUrl('', 'p1'), /swift_url is not set/);
    assert.throws(() => storageUrl('http://x/v1/AUTH_', ''), /no project_id/);
    const loc = backupLocation('http://proxy.polex.io:8080/v1/AUTH_p1', 'database_backups', backupObjectName(BACKUP_ID));
    assert.deepEqual(parseLocation(loc), { storageUrl: 'http://proxy.polex.io:8080/v1/AUTH_p1', container: 'database_backups', object: `${BACKUP_ID}.xbstream.gz` });
    assert.throws(() => parseLocation('nothing'), /bad backup location/);
    assert.equal(isEncrypted(loc), false);
    assert.equal(isEncrypted(`${loc}.enc`), true);
  });

  it('metadata headers: --swift-extra-metadata keys and lsn with _ as -', () => {
    const meta = { ...extraMetadata({ datastore: 'mysql', datastore_version: '5.7.29' }), lsn: '44878' };
    assert.deepEqual(metadataHeaders(meta), { 'X-Object-Meta-datastore': 'mysql', 'X-Object-Meta-datastore-version': '5.7.29', 'X-Object-Meta-lsn': '44878' });
  });

  it('reads a recorded mariabackup log: checkpoint LSN, completed OK! on the last line; a failed run is not OK', () => {
    const ok = readFileSync(join(fixtures, 'mariabackup-backup.log'), 'utf8');
    assert.equal(lsnFromLog(ok), '44878');
    assert.equal(completedOk(ok), true);
    const denied = readFileSync(join(fixtures, 'mariabackup-backup-denied.log'), 'utf8');
    assert.equal(completedOk(denied), false);
    assert.equal(lsnFromLog(denied), null);
    assert.match(lastLine(denied), /Access denied for user 'nobody'@'localhost'/);
    assert.equal(completedOk(''), false);
  });

  it('backup settings from the guest config: Trove option names and defaults, clear errors', () => {
    const cfg = (extra: string) => guestConfigFromIni(parseIni(`[DEFAULT]\nguest_id=g\ndatastore_manager=mysql\ntransport_url=rabbit://u:p@h:5672/\n${extra}`), 'test');
    const s = mariadbSettings(cfg('swift_url = http://proxy.polex.io:8080/v1/AUTH_\n'), {}, false, {});
    assert.deepEqual(s.backup, { swiftUrl: 'http://proxy.polex.io:8080/v1/AUTH_', container: 'database_backups', aesKey: '', tools: DEFAULT_TOOLS });
    assert.equal(mariadbSettings(cfg('backup_swift_container = bk\n'), {}, false, {}).backup.container, 'bk');
    assert.throws(() => mariadbSettings(cfg('storage_strategy = ceph\n'), {}, false, {}), /storage_strategy = ceph/);
    assert.throws(() => mariadbSettings(cfg('swift_url = proxy.polex.io\n'), {}, false, {}), /not an http\(s\) URL/);
  });

  it('update_backup casts through the real Trove 18 conductor: BUILDING then COMPLETED, or FAILED', () => {
    const location = backupLocation('http://proxy.polex.io:8080/v1/AUTH_p1', 'database_backups', backupObjectName(BACKUP_ID));
    const building = buildingState(BACKUP_ID, pyFloat(0.02), false);
    const done = completedState(building, '0123456789abcdef0123456789abcdef', location);
    const failed = failedState(building);
    // As the cast carries them: Python JSON (size a float), minus instance_id (positional in the manager).
    const wire = (f: object, sent: number) => JSON.parse(pyJsonDumps({ sent: pyFloat(sent), ...f })) as Record<string, unknown>;
    const run = (updates: object[]) => {
      const r = spawnSync('/usr/bin/python3', [helper], { input: JSON.stringify({ instance_id: INSTANCE_ID, backup_id: BACKUP_ID, updates, location }), encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { rows: Record<string, unknown>[]; filename: string; container_name: string };
    };
    const ok = run([wire(building, 1.5), wire(done, 2.5)]);
    assert.deepEqual(
      { state: ok.rows[0]!.state, size: ok.rows[0]!.size, backup_type: ok.rows[0]!.backup_type, checksum: ok.rows[0]!.checksum, location: ok.rows[0]!.location },
      { state: 'BUILDING', size: 0.02, backup_type: 'full', checksum: null, location: null },
    );
    assert.deepEqual(
      { state: ok.rows[1]!.state, size: ok.rows[1]!.size, checksum: ok.rows[1]!.checksum, location: ok.rows[1]!.location },
      { state: 'COMPLETED', size: 0.02, checksum: done.checksum, location },
    );
    // What delete_backup and restore will address: Trove's own reading of our location.
    assert.equal(ok.container_name, 'database_backups');
    assert.equal(ok.filename, `${BACKUP_ID}.xbstream.gz`);
    const bad = run([wire(building, 1.5), wire(failed, 2.5)]);
    assert.equal(bad.rows[1]!.state, 'FAILED');
    assert.equal(bad.rows[1]!.location, null);
    assert.deepEqual(Object.keys(done).sort(), ['backup_id', 'backup_type', 'checksum', 'location', 'size', 'state', 'success']);
  });

  it('restores a pre-Victoria *.enc object: openssl enc -aes-256-cbc -md sha512 -pbkdf2 -iter 10000 (real openssl), gunzip, mbstream', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'guest-backup-enc-'));
    try {
      // An xbstream made by the real mbstream (-c) of one file, gzip'd, encrypted as Trove's old encrypt_cmd did.
      writeFileSync(join(dir, 'hello.txt'), 'restored by the lab guest\n');
      const xb = execFileSync('mbstream', ['-c', 'hello.txt'], { cwd: dir });
      const key = 'unit-test-aes-key';
      const enc = execFileSync('openssl', ['enc', '-aes-256-cbc', '-md', 'sha512', '-pbkdf2', '-iter', '10000', '-salt', '-pass', `pass:${key}`], { input: gzipSync(xb) });
      const out = join(dir, 'out');
      execFileSync('mkdir', [out]);
      const r = await unpackBackup(DEFAULT_TOOLS, { body: Readable.from([enc]), datadir: out, aesKey: key });
      assert.equal(readFileSync(join(out, 'hello.txt'), 'utf8'), 'restored by the lab guest\n');
      assert.equal(r.bytes, enc.length);
      await assert.rejects(unpackBackup(DEFAULT_TOOLS, { body: Readable.from([enc]), datadir: out, aesKey: 'wrong-key' }), /decrypt|restore stream failed|mbstream/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
