// Replication operations of Trove 18's MySQL-family manager (manager.py and
// mysql_common/manager.py), names and keyword arguments as the real manager's;
// the work is in mariadb/replication.ts. get_replication_snapshot runs the
// same create_backup as a user's backup (update_backup to the conductor for
// the snapshot's backup row, which the taskmanager deletes once the replica is up).
import type { BackupInfo } from '../mariadb/backup.ts';
import type { ReplicaInfo } from '../mariadb/replication.ts';
import { troveError } from '../oslo/failure.ts';
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

export function replicationOperations(deps: MysqlOperationDeps, createBackup: (info: BackupInfo, context: Record<string, unknown>) => Promise<void>): RpcMethod[] {
  const { datastore, log } = deps;
  const repl = datastore.replication;
  const notSupported = (operation: string) => () => {
    throw troveError('DatastoreOperationNotSupported', `The '${operation}' operation is not supported for the '${datastore.manager}' datastore.`, { operation, datastore: datastore.manager });
  };
  return [
    // MysqlReplicationBase: a replica is always seeded from a backup.
    { name: 'backup_required_for_replication', handler: () => true },
    {
      name: 'get_replication_snapshot',
      required: ['snapshot_info'],
      optional: ['replica_source_config'],
      handler: async (a, call) => {
        const info = a.snapshot_info as BackupInfo;
        log.info(`getting replication snapshot ${info?.id}`);
        return repl.replicationSnapshot(info, a.replica_source_config as string | null, () => createBackup(info, call.context));
      },
    },
    {
      name: 'attach_replica',
      required: ['replica_info', 'slave_config'],
      anyArgs: true,
      handler: async (a) => {
        await repl.attachReplica(a.replica_info as ReplicaInfo, a.slave_config as string | null);
        return null;
      },
    },
    { name: 'get_replica_context', handler: () => repl.replicaContext() },
    { name: 'detach_replica', optional: ['for_failover'], handler: (a) => repl.detachReplica(Boolean(a.for_failover)) },
    {
      name: 'enable_as_master',
      required: ['replica_source_config'],
      handler: async (a) => {
        await repl.enableAsMaster(a.replica_source_config as string | null);
        return null;
      },
    },
    {
      name: 'demote_replication_master',
      handler: async () => {
        await repl.demoteMaster();
        return null;
      },
    },
    {
      name: 'make_read_only',
      required: ['read_only'],
      handler: async (a) => {
        await repl.makeReadOnly(Boolean(a.read_only));
        return null;
      },
    },
    { name: 'get_latest_txn_id', handler: () => repl.latestTxnId() },
    { name: 'get_last_txn', handler: () => repl.lastTxn() },
    {
      name: 'wait_for_txn',
      required: ['txn'],
      handler: async (a) => {
        await repl.waitForTxn(String(a.txn));
        return null;
      },
    },
    { name: 'get_txn_count', handler: notSupported('get_txn_count') },
  ];
}
