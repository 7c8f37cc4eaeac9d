// mysql_util.SqlClient over the unix socket, one short connection per use as
// Trove's engine checkout does; and the credential files Trove keeps in
// <mount_point>/conf.d (root.cnf, os_admin.cnf: IniCodec [client] user,
// password, host). Engine errors surface the way sqlalchemy+pymysql raise them.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';
import { RemoteFailure } from '../oslo/failure.ts';
import { parseCnf, serializeCnf } from './my-cnf.ts';

export interface Credentials {
  user: string;
  /** Secret. */
  password: string;
}

/** pymysql's errno -> class mapping, for the codes the guest can meet (err.py _map_error). */
const PROGRAMMING = new Set([1007, 1064, 1149, 1146, 1102, 1103, 1060, 1111, 1112, 1113, 1166, 1179]);

/** The pymysql (and so sqlalchemy.exc) class of a server error; null for a non-SQL error. */
export function pymysqlClass(err: unknown): 'ProgrammingError' | 'InternalError' | 'OperationalError' | null {
  const errno = (err as { errno?: unknown })?.errno;
  if (typeof errno !== 'number' || !(err as { sqlMessage?: string }).sqlMessage) return null;
  return PROGRAMMING.has(errno) ? 'ProgrammingError' : errno < 1000 ? 'InternalError' : 'OperationalError';
}

export function sqlFailure(err: unknown): RemoteFailure | Error {
  const e = err as { errno?: number; sqlMessage?: string; message?: string };
  const cls = pymysqlClass(err);
  if (!cls) return err instanceof Error ? err : new Error(String(err));
  return new RemoteFailure(cls, 'sqlalchemy.exc', `(pymysql.err.${cls}) (${e.errno}, ${JSON.stringify(e.sqlMessage)})`);
}

export const isSqlClass = (err: unknown, cls: string): boolean => err instanceof RemoteFailure && err.pyModule === 'sqlalchemy.exc' && err.pyClass === cls;

export class SqlClient {
  constructor(private readonly socket: string) {}

  /** Runs fn on a fresh connection; SQL errors become sqlalchemy-like failures. */
  async with<T>(creds: Credentials, fn: (c: Connection) => Promise<T>, timeoutMs = 10_000): Promise<T> {
    let conn: Connection;
    try {
      conn = await mysql.createConnection({ socketPath: this.socket, user: creds.user, password: creds.password, connectTimeout: timeoutMs, multipleStatements: false });
    } catch (err) {
      throw sqlFailure(err);
    }
    try {
      return await fn(conn);
    } catch (err) {
      throw sqlFailure(err);
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  }
}

/** Runs one statement (with bound values) and returns the rows. */
export async function query<T = Record<string, unknown>>(c: Connection, sql: string, values: unknown[] = [], timeoutMs = 30_000): Promise<T[]> {
  const [rows] = await c.query({ sql, values, timeout: timeoutMs });
  return (Array.isArray(rows) ? rows : []) as T[];
}

/** BaseDbApp.save_password: <credentialsDir>/<user>.cnf, readable by the agent only. */
export function savePassword(dir: string, creds: Credentials): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${creds.user}.cnf`);
  writeFileSync(file, serializeCnf({ client: { user: creds.user, password: creds.password, host: 'localhost' } }), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** BaseDbApp.get_auth_password; null where Trove raises UnprocessableEntity (no file). */
export function readPassword(dir: string, user: string): string | null {
  try {
    const pw = parseCnf(readFileSync(join(dir, `${user}.cnf`), 'utf8')).client?.password;
    return typeof pw === 'string' ? pw : null;
  } catch {
    return null;
  }
}
