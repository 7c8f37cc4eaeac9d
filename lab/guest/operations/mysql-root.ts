// Root operations (Manager.enable_root & co. -> BaseMySqlRootAccess):
// enable_root / enable_root_with_password answer the serialized root user
// (root@'%', its password, _is_root true); disable_root sets an unknown
// random password and answers None. trove-api records root history itself;
// the guest casts report_root only where Trove's does (restoring a backup
// that had root enabled, not supported here yet).
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

export function rootOperations({ datastore, log }: MysqlOperationDeps): RpcMethod[] {
  const { admin } = datastore;
  const enable = async (password: string | null) => {
    log.addSecret(password);
    const user = await admin.enableRoot(password);
    log.addSecret(user._password);
    return user;
  };
  return [
    { name: 'enable_root', handler: () => enable(null) },
    { name: 'enable_root_with_password', optional: ['root_password'], handler: (a) => enable((a.root_password as string | null) ?? null) },
    { name: 'disable_root', handler: () => admin.disableRoot() },
    { name: 'is_root_enabled', handler: () => admin.isRootEnabled() },
  ];
}
