// Database operations of the MySQL-family manager (Trove 18
// guestagent/datastore/manager.py -> BaseMySqlAdmin). trove-api casts
// create/delete (version 1.0) and calls list_databases, whose result is the
// 2-list [serialized schemas, next_marker].
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

export function databaseOperations({ datastore }: MysqlOperationDeps): RpcMethod[] {
  const { admin } = datastore;
  return [
    {
      name: 'create_database',
      required: ['databases'],
      handler: async (a) => {
        await admin.createDatabases(a.databases as unknown[]);
        return null;
      },
    },
    {
      name: 'list_databases',
      optional: ['limit', 'marker', 'include_marker'],
      handler: (a) => admin.listDatabases((a.limit as number | null) ?? null, (a.marker as string | null) ?? null, Boolean(a.include_marker)),
    },
    {
      name: 'delete_database',
      required: ['database'],
      handler: async (a) => {
        await admin.deleteDatabase(a.database);
        return null;
      },
    },
  ];
}
