// The update_backup casts of Trove 18's guest (guestagent/datastore/service.py
// BaseDbApp.create_backup): one dict, `backup_state`, sent twice to the
// conductor (conductor/manager.py update_backup sets every key the DBBackup
// row has; `success` and `backup_id` are not columns and are only read/ignored):
//   before the run:  backup_id, size (the data volume's used GB, not the
//                    object's size: Trove never updates it), state BUILDING,
//                    backup_type full|incremental
//   after the run:   the same dict + checksum, location, success True,
//                    state COMPLETED; or + success False, state FAILED.
import type { PyFloat } from '../oslo/py-json.ts';

/** trove/backup/state.py BackupState (the values a guest sends). */
export const BackupState = { BUILDING: 'BUILDING', COMPLETED: 'COMPLETED', FAILED: 'FAILED' } as const;

export interface BackupStateFields {
  backup_id: string;
  size: PyFloat | number;
  state: (typeof BackupState)[keyof typeof BackupState];
  backup_type: 'full' | 'incremental';
  checksum?: string;
  location?: string;
  success?: boolean;
}

export function buildingState(backupId: string, usedGb: PyFloat | number, incremental: boolean): BackupStateFields {
  return { backup_id: backupId, size: usedGb, state: BackupState.BUILDING, backup_type: incremental ? 'incremental' : 'full' };
}

export function completedState(building: BackupStateFields, checksum: string, location: string): BackupStateFields {
  return { ...building, checksum, location, success: true, state: BackupState.COMPLETED };
}

export function failedState(building: BackupStateFields): BackupStateFields {
  return { ...building, success: false, state: BackupState.FAILED };
}
