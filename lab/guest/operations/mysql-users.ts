// User and access operations of the MySQL-family manager. Users travel as
// serialized MySQLUser dicts; a user is name@host ('%' by default). Passwords
// are registered as log secrets before anything can log them (a ValueError
// about an invalid password quotes it).
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

export function userOperations({ datastore, log }: MysqlOperationDeps): RpcMethod[] {
  const { admin } = datastore;
  const secret = (pw: unknown) => log.addSecret(typeof pw === 'string' ? pw : null);
  return [
    {
      name: 'create_user',
      required: ['users'],
      handler: async (a) => {
        for (const u of (a.users as Array<{ _password?: unknown }>) ?? []) secret(u?._password);
        await admin.createUsers(a.users as unknown[]);
        return null;
      },
    },
    {
      name: 'list_users',
      optional: ['limit', 'marker', 'include_marker'],
      handler: (a) => admin.listUsers((a.limit as number | null) ?? null, (a.marker as string | null) ?? null, Boolean(a.include_marker)),
    },
    {
      name: 'delete_user',
      required: ['user'],
      handler: async (a) => {
        await admin.deleteUser(a.user);
        return null;
      },
    },
    {
      name: 'get_user',
      required: ['username', 'hostname'],
      handler: (a) => admin.getUser(a.username as string, a.hostname as string),
    },
    {
      name: 'update_attributes',
      required: ['username', 'hostname', 'user_attrs'],
      handler: async (a) => {
        const attrs = (a.user_attrs ?? {}) as { name?: string; host?: string; password?: string };
        secret(attrs.password);
        await admin.updateAttributes(a.username as string, a.hostname as string, attrs);
        return null;
      },
    },
    {
      name: 'change_passwords',
      required: ['users'],
      handler: async (a) => {
        const users = (a.users ?? []) as Array<{ name: string; host: string; password: string }>;
        for (const u of users) secret(u?.password);
        await admin.changePasswords(users);
        return null;
      },
    },
    {
      name: 'grant_access',
      required: ['username', 'hostname', 'databases'],
      handler: async (a) => {
        await admin.grantAccess(a.username as string, a.hostname as string, a.databases as unknown[]);
        return null;
      },
    },
    {
      name: 'revoke_access',
      required: ['username', 'hostname', 'database'],
      handler: async (a) => {
        await admin.revokeAccess(a.username as string, a.hostname as string, a.database as string);
        return null;
      },
    },
    {
      name: 'list_access',
      required: ['username', 'hostname'],
      handler: (a) => admin.listAccess(a.username as string, a.hostname as string),
    },
  ];
}
