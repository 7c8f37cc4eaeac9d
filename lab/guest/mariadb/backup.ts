// Backup and restore of the MariaDB datastore (Trove 18 BaseDbApp.create_backup,
// BaseMySqlApp.restore_backup, MySqlManager.reset_password_for_restore) with
// Trove's backup image done by mariabackup child processes (backup/mariabackup.ts)
// and Swift reached with the request context's token (backup/swift-client.ts).
//
// Not Trove's: the ib_logfile wipe after a restore. Trove 18 deletes
// ib_logfile0/1 (wipe_ib_logfiles) for engines that recreate them; MariaDB
// 10.5+ refuses to start without ib_logfile0 ("File ./ib_logfile0 was not
// found", seen with 10.11 here), and the one mariabackup --prepare leaves is
// valid, so it is kept.
import { chownSync, lstatSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { troveError } from '../oslo/failure.ts';
import type { Context } from '../oslo/secure.ts';
import { startBackup, prepareRestored, unpackBackup } from '../backup/mariabackup.ts';
import { backupObjectName, extraMetadata, isEncrypted, storageUrl } from '../backup/naming.ts';
import { SwiftClient } from '../backup/swift-client.ts';
import { loadBackup, saveBackup, type SavedBackup } from '../backup/swift-storage.ts';
import type { MariadbSettings } from './settings.ts';

/** create_backup's backup_info (backup/models.py Backup.create). */
export interface BackupInfo {
  id: string;
  name?: string;
  instance_id?: string;
  backup_type?: string;
  checksum?: string | null;
  parent?: { location: string; checksum: string } | null;
  datastore?: string;
  datastore_version?: string;
  swift_container?: string | null;
}

/** prepare's backup_info for a restore (taskmanager/models.py _create_server... backup_info). */
export interface RestoreInfo {
  id: string;
  location: string;
  type?: string;
  checksum?: string | null;
}

export function swiftFor(settings: MariadbSettings, context: Context, log: Logger): SwiftClient {
  const token = typeof context.auth_token === 'string' ? context.auth_token : '';
  if (!token) throw new Error('the request context carries no auth_token: cannot reach Swift as the user');
  log.addSecret(token);
  return new SwiftClient(storageUrl(settings.backup.swiftUrl, String(context.project_id ?? '')), token);
}

/** The full backup of the running server into the tenant's Swift container. */
export async function createMariadbBackup(o: { settings: MariadbSettings; info: BackupInfo; context: Context; adminPassword: string; log: Logger }): Promise<SavedBackup> {
  const { settings, info, log } = o;
  if (info.parent) throw troveError('DatastoreOperationNotSupported', `The 'incremental backup' operation is not supported by the lab guest agent for ${settings.manager}.`);
  const swift = swiftFor(settings, o.context, log);
  const { layout } = settings;
  const container = info.swift_container || settings.backup.container;
  const objectName = backupObjectName(info.id);
  log.info(`starting backup ${info.id}: mariabackup | gzip -> ${swift.storageUrl}/${container}/${objectName}`);
  const backup = startBackup(settings.backup.tools, { myCnf: layout.myCnf, socket: layout.socket, user: 'os_admin', password: o.adminPassword, logFile: join(layout.logDir, 'mariabackup.log') });
  return saveBackup(swift, { container, objectName, backup, metadata: extraMetadata(info) });
}

/** Removes everything inside `dir` (utils.clean_out). */
function cleanOut(dir: string): void {
  for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/** restore_backup: datadir emptied, object fetched (ETag = checksum), unpacked, prepared, owned by the database user. */
export async function restoreMariadbBackup(o: { settings: MariadbSettings; info: RestoreInfo; context: Context; owner: { uid: number; gid: number } | null; log: Logger }): Promise<number> {
  const { settings, info, log } = o;
  if (!info?.location) throw troveError('TroveError', `backup_info of backup ${info?.id ?? '?'} has no location`);
  const encrypted = isEncrypted(info.location);
  if (encrypted && !settings.backup.aesKey) throw troveError('TroveError', 'Decryption key not configured for encrypted backup.');
  log.addSecret(settings.backup.aesKey);
  const swift = swiftFor(settings, o.context, log);
  const datadir = settings.layout.dataDir;
  log.info(`restoring backup ${info.id} from ${info.location} into ${datadir}`);
  cleanOut(datadir);
  const loaded = await loadBackup(swift, info.location, info.checksum ?? null);
  const { bytes, md5 } = await unpackBackup(settings.backup.tools, { body: loaded.body, datadir, aesKey: encrypted ? settings.backup.aesKey : null });
  // Beyond Trove (which trusts the ETag): the bytes read are the bytes checksummed.
  if (!loaded.largeObject && info.checksum && md5 !== info.checksum) throw troveError('TroveError', `Checksum validation failure, downloaded ${md5}, expected: ${info.checksum}`);
  await prepareRestored(settings.backup.tools, datadir);
  if (o.owner) chownTree(datadir, o.owner.uid, o.owner.gid);
  log.info(`restored backup ${info.id}: ${bytes} bytes from Swift`);
  return bytes;
}

/** reset_password_for_restore's init file: root@localhost gets this instance's root password. */
export function writeInitFile(path: string, rootPassword: string, owner: { uid: number; gid: number } | null): void {
  const quoted = rootPassword.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  writeFileSync(path, `ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('${quoted}');\n`, { mode: 0o600 });
  if (owner) chownSync(path, owner.uid, owner.gid);
}
