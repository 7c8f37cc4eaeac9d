// create_backup, cast by trove-api (guestagent/api.py, version 1.0, kwarg
// backup_info), as Trove 18's BaseDbApp.create_backup runs it: update_backup
// BUILDING with the volume's used GB (in a lab VM: its mount point's, see
// filesystem-stats.ts volumeUsedGb), the backup, then update_backup COMPLETED
// (checksum, location, success) or FAILED, the final update always sent; a
// failure is raised as TroveError "Failed to create backup <id>, error: ...".
import { buildingState, completedState, failedState } from '../backup/update-backup.ts';
import { volumeUsedGb } from '../filesystem-stats.ts';
import { errorText } from '../log.ts';
import type { BackupInfo } from '../mariadb/backup.ts';
import { troveError } from '../oslo/failure.ts';
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { Context } from '../oslo/secure.ts';
import type { MysqlOperationDeps } from './mysql.ts';

/** BaseDbApp.create_backup with its update_backup casts; throws TroveError on failure. */
export function backupRunner({ datastore, conductor, log }: MysqlOperationDeps): (info: BackupInfo, context: Context) => Promise<void> {
  return async (info, context) => {
    if (!info?.id) throw troveError('TroveError', 'create_backup: backup_info has no id');
    log.info(`creating backup ${info.id}`);
    const started = Date.now();
    const building = buildingState(info.id, await volumeUsedGb(datastore.dataDir()), Boolean(info.parent));
    await conductor.updateBackup(building);
    let final = failedState(building);
    try {
      const saved = await datastore.createBackup(info, context);
      final = completedState(building, saved.checksum, saved.location);
      log.info(`backup ${info.id} completed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${saved.bytes} bytes, checksum ${saved.checksum}, location ${saved.location}`);
    } catch (err) {
      log.error(`failed to create backup ${info.id}: ${errorText(err)}`);
      throw troveError('TroveError', `Failed to create backup ${info.id}, error: ${errorText(err)}`);
    } finally {
      await conductor.updateBackup(final).catch((err) => log.error(`could not report backup ${info.id} as ${final.state}: ${errorText(err)}`));
    }
  };
}

export function backupOperations(deps: MysqlOperationDeps): RpcMethod[] {
  const run = backupRunner(deps);
  return [
    {
      name: 'create_backup',
      required: ['backup_info'],
      handler: async (a, call) => {
        await run((a.backup_info ?? {}) as BackupInfo, call.context);
        return null;
      },
    },
  ];
}
