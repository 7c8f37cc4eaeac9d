// Where a backup lives in Swift and how it is described there, exactly as
// Trove 18's backup image writes it (backup/drivers/base.py, mysql_base.py,
// mariabackup.py, backup/storage/swift.py) and as trove-api/taskmanager read
// it back (backup/models.py DBBackup.filename/container_name,
// taskmanager/models.py BackupTasks.delete_files_from_swift):
//   object    <backup id>.xbstream.gz         (filename + '.gz'; '.enc' only for
//                                               pre-Victoria encrypted backups)
//   segment   <backup id>_00000000             uploaded first, then copied onto
//                                               the object and deleted
//   location  <swift storage URL>/<container>/<object>
//   checksum  the object's ETag = MD5 of the gzip stream (single segment)
//   metadata  X-Object-Meta-<key with _ as ->: datastore, datastore-version
//             (--swift-extra-metadata) and lsn (mariabackup's checkpoint)

/** MySQLBaseRunner.filename + BaseRunner.zip_manifest (+ encrypt_manifest, never set on create since Victoria). */
export function backupObjectName(backupId: string): string {
  return `${backupId}.xbstream.gz`;
}

/** StreamReader.segment: base_filename (the object name up to its first dot) + _%08d. */
export function segmentName(objectName: string, n = 0): string {
  return `${objectName.split('.')[0]}_${String(n).padStart(8, '0')}`;
}

/** swift_client: swift_url ('...AUTH_') + the request context's project id. */
export function storageUrl(swiftUrl: string, projectId: string): string {
  if (!swiftUrl) throw new Error('swift_url is not set in the guest configuration (Trove: [DEFAULT] swift_url, e.g. http://proxy.polex.io:8080/v1/AUTH_)');
  if (!projectId) throw new Error('the request context carries no project_id: cannot address the tenant\'s Swift account');
  return `${swiftUrl}${projectId}`;
}

export function backupLocation(storage: string, container: string, objectName: string): string {
  return `${storage}/${container}/${objectName}`;
}

export interface SwiftLocation {
  storageUrl: string;
  container: string;
  object: string;
}

/** SwiftStorage._explodeLocation: the last two path parts are container and object. */
export function parseLocation(location: string): SwiftLocation {
  const parts = location.split('/');
  if (parts.length < 3 || !parts[parts.length - 1] || !parts[parts.length - 2]) throw new Error(`bad backup location ${JSON.stringify(location)}: expected <storage url>/<container>/<object>`);
  return { storageUrl: parts.slice(0, -2).join('/'), container: parts[parts.length - 2]!, object: parts[parts.length - 1]! };
}

/** The --swift-extra-metadata value the guest builds (service.py create_backup): datastore and datastore_version. */
export function extraMetadata(backupInfo: { datastore?: unknown; datastore_version?: unknown }): Record<string, string> {
  return { datastore: String(backupInfo.datastore ?? ''), datastore_version: String(backupInfo.datastore_version ?? '') };
}

/** swift.py _set_attr: X-Object-Meta-<key, '_' -> '-'>. */
export function metadataHeaders(metadata: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) headers[`X-Object-Meta-${k.replace(/_/g, '-')}`] = v;
  return headers;
}

/** MySQLBaseRunner.get_metadata: the checkpoint LSN mariabackup logs (the base of an incremental backup). */
export function lsnFromLog(log: string): string | null {
  return /The latest check point \(for incremental\): '(\d+)'/.exec(log)?.[1] ?? null;
}

/** check_process / post_restore: the last line of mariabackup's stderr must say "completed OK!". */
export function completedOk(log: string): boolean {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length > 0 && /completed OK!/.test(lines[lines.length - 1]!);
}

/** The last line of mariabackup's log, for an error message. */
export function lastLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '(empty log)';
}

/** Only objects named *.enc are decrypted on restore (BaseRunner.__init__). */
export const isEncrypted = (location: string): boolean => location.endsWith('.enc');

/** BaseRunner.decrypt_cmd (openssl enc, pre-Victoria backups): argv, the key passed through the environment. */
export const OPENSSL_DECRYPT_ARGS = ['enc', '-d', '-aes-256-cbc', '-md', 'sha512', '-pbkdf2', '-iter', '10000', '-salt', '-pass', 'env:BACKUP_AES_CBC_KEY'];
