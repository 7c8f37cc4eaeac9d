// Everything the MySQL-family manager serves beyond the instance operations,
// with Trove 18's method names and keyword arguments (checked against the
// signatures dumped from the real MariaDB manager).
import type { AgentParts } from '../agent.ts';
import type { MariadbDatastore } from '../mariadb/datastore.ts';
import type { RpcMethod } from '../oslo/dispatcher.ts';
import { backupOperations, backupRunner } from './mysql-backup.ts';
import { replicationOperations } from './mysql-replication.ts';
import { configurationOperations } from './mysql-configuration.ts';
import { databaseOperations } from './mysql-databases.ts';
import { rootOperations } from './mysql-root.ts';
import { userOperations } from './mysql-users.ts';

export interface MysqlOperationDeps extends AgentParts {
  datastore: MariadbDatastore;
}

export function mysqlOperations(deps: MysqlOperationDeps): RpcMethod[] {
  // A restore that brings root@'%' back reports it, as Manager.do_prepare does.
  deps.datastore.reportRoot = () => deps.conductor.reportRoot();
  return [...databaseOperations(deps), ...userOperations(deps), ...rootOperations(deps), ...configurationOperations(deps), ...backupOperations(deps), ...replicationOperations(deps, backupRunner(deps))];
}
