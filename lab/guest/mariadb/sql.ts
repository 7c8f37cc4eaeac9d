// The SQL text trove/guestagent/common/sql_query.py builds, statement for
// statement (checked against the real builders' output in the vectors). The
// names and passwords in them went through MySQLUser/MySQLSchema validation
// first (no quotes, backticks, backslashes), which is what makes Trove's plain
// interpolation safe; CREATE USER binds name and host as Trove does.
import { builtin } from '../oslo/failure.ts';
import { pyFloatRepr } from '../oslo/py-json.ts';

const GRANTABLE = new Set([
  'ALL', 'ALL PRIVILEGES', 'ALTER ROUTINE', 'ALTER', 'CREATE ROUTINE', 'CREATE TEMPORARY TABLES', 'CREATE USER', 'CREATE VIEW', 'CREATE', 'DELETE', 'DROP', 'EVENT',
  'EXECUTE', 'FILE', 'INDEX', 'INSERT', 'LOCK TABLES', 'PROCESS', 'REFERENCES', 'RELOAD', 'REPLICATION CLIENT', 'REPLICATION SLAVE', 'SELECT', 'SHOW DATABASES',
  'SHOW VIEW', 'SHUTDOWN', 'SUPER', 'TRIGGER', 'UPDATE', 'USAGE',
]);

export interface GrantSpec {
  /** A string is a sequence of characters in Python: 'ALL' matches "ALL" in 'ALL' too. */
  permissions?: string | readonly string[];
  database?: string | null;
  user: string;
  host?: string | null;
  grantOption?: boolean;
}

const onWhat = (database?: string | null) => `ON ${database ? `\`${database}\`` : '*'}.*`;
const userHost = (user: string, host?: string | null) => `\`${user}\`@\`${host || '%'}\``;
const has = (perms: string | readonly string[], p: string) => (typeof perms === 'string' ? perms.includes(p) : perms.includes(p));

export function grant(g: GrantSpec): string {
  const perms = g.permissions ?? [];
  let what: string;
  if (perms.length === 0) what = 'USAGE';
  else if (has(perms, 'ALL') || has(perms, 'ALL PRIVILEGES')) what = 'ALL PRIVILEGES';
  else what = [...new Set(typeof perms === 'string' ? [...perms] : perms)].filter((p) => GRANTABLE.has(p)).sort().join(', ');
  return [`GRANT ${what}`, onWhat(g.database), `TO ${userHost(g.user, g.host)}`, g.grantOption ? 'WITH GRANT OPTION' : ''].filter(Boolean).join(' ') + ';';
}

/** Revoke(database, user, host): always ALL in Trove's uses. */
export const revokeAll = (database: string | null, user: string, host: string): string => `REVOKE ALL ${onWhat(database)} FROM ${userHost(user, host)};`;

export function createDatabase(name: string, charset?: string | null, collate?: string | null): string {
  return [`CREATE DATABASE IF NOT EXISTS \`${name}\``, charset ? `CHARACTER SET = '${charset}'` : '', collate ? `COLLATE = '${collate}'` : ''].filter(Boolean).join(' ') + ';';
}

export const dropDatabase = (name: string): string => `DROP DATABASE \`${name}\`;`;

/** CreateUser: "CREATE USER :user@:host [IDENTIFIED BY '...']", name and host bound (mysql2 placeholders). */
export function createUser(password?: string | null): string {
  return ['CREATE USER ?@?', password ? `IDENTIFIED BY '${password}'` : ''].filter(Boolean).join(' ') + ';';
}

/**
 * SetPassword. Trove picks the syntax by datastore_manager; the lab's engine is
 * MariaDB for both 'mysql' and 'mariadb', and MariaDB rejects the MySQL 8 form
 * (IDENTIFIED WITH ... BY), so the MariaDB form is used always.
 */
export const setPassword = (user: string, host: string | null, password: string | null): string =>
  `ALTER USER '${user}'@'${host || '%'}' IDENTIFIED VIA mysql_native_password USING PASSWORD('${password ?? ''}');`;

export function renameUser(user: string, host: string | null, newUser?: string | null, newHost?: string | null): string {
  const h = host || '%';
  return `RENAME USER '${user}'@'${h}' TO '${newUser || user}'@'${newHost || h}';`;
}

export const dropUser = (user: string, host = '%'): string => `DROP USER \`${user}\`@\`${host}\`;`;

/** guestagent_utils.to_bytes: "512M" -> 536870912; anything else unchanged. */
export function toBytes(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = /^(\d+)([K,M,G])$/.exec(value);
  if (!m) return value;
  // The class [K,M,G] lets "5," through to a dict lookup that raises KeyError in Python.
  if (m[2] === ',') throw builtin('KeyError', "','");
  return Math.round({ K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as 'K' | 'M' | 'G'] * Number(m[1]));
}

/** SetServerVariable(key, to_bytes(value)). */
export function setServerVariable(key: string, value: unknown): string {
  if (value === true) return `SET GLOBAL ${key}=1`;
  if (value === false) return `SET GLOBAL ${key}=0`;
  if (value === null || value === undefined) return `SET GLOBAL ${key}`;
  if (typeof value === 'string') return `SET GLOBAL ${key}='${value}'`;
  if (typeof value === 'number' && !Number.isInteger(value)) return `SET GLOBAL ${key}=${pyFloatRepr(value)}`;
  return `SET GLOBAL ${key}=${String(value)}`;
}

export const ROOT_ENABLED = "SELECT User FROM mysql.user WHERE User = 'root' AND Host != 'localhost';";
