// Datastore implementations by guest_info.conf datastore_manager. The lab's
// engine is MariaDB for both MySQL-family managers: Trove's 'mysql' and
// 'mariadb' managers share mysql_common, and so does this agent.
import type { AgentParts } from './agent.ts';
import type { GuestConfig } from './config.ts';
import type { Datastore } from './datastore.ts';
import type { Logger } from './log.ts';
import { MariadbDatastore } from './mariadb/datastore.ts';
import { mariadbSettings } from './mariadb/settings.ts';
import { guestLogOperations } from './operations/guest-log.ts';
import { mysqlOperations } from './operations/mysql.ts';
import type { RpcMethod } from './oslo/dispatcher.ts';

export interface DatastoreImpl {
  datastore: Datastore;
  operations?: (parts: AgentParts) => RpcMethod[];
}

function mariadb(config: GuestConfig, log: Logger): DatastoreImpl {
  const datastore = new MariadbDatastore(mariadbSettings(config), log);
  return { datastore, operations: (parts) => [...mysqlOperations({ ...parts, datastore }), ...guestLogOperations({ ...parts, datastore, config })] };
}

export const DATASTORES: Record<string, (config: GuestConfig, log: Logger) => DatastoreImpl> = {
  mysql: mariadb,
  mariadb,
};
