// SQL to a Trove instance as a tenant's application would: from the harness's
// leg on the tenant network, to the instance's tenant address, as a user made
// through the Trove API. Passwords are generated per run and never logged.
import { createHash, randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export type Sql = mysql.Connection;

export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Errors of the network path, not of the server's answer: worth another try within the bound. */
const NETWORK_ERRORS = new Set(['ETIMEDOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/**
 * Logs in, retrying network-level failures for up to `reachMs`: a freshly
 * built instance's address may have belonged to a deleted one a moment ago,
 * and the tenant network's neighbours take a few seconds to learn the new
 * owner. A refused login (wrong user or password) fails at once.
 */
export async function connectSql(host: string, user: string, password: string, database?: string, reachMs = 60_000): Promise<Sql> {
  const start = Date.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      return await mysql.createConnection({ host, port: 3306, user, password, connectTimeout: 10_000, ...(database ? { database } : {}) });
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code && NETWORK_ERRORS.has(err.code) && Date.now() - start < reachMs) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      // mysql2 may put the password nowhere, but be sure nothing of it leaves here.
      throw new Error(`SQL login as ${user} to ${host}:3306${database ? `/${database}` : ''} failed after ${attempts} attempt(s) in ${((Date.now() - start) / 1000).toFixed(1)} s: ${err.code ?? ''} ${err.message.split(password).join('<secret>')}`.trim());
    }
  }
}

export async function withSql<T>(host: string, user: string, password: string, database: string | undefined, body: (c: Sql) => Promise<T>): Promise<T> {
  const c = await connectSql(host, user, password, database);
  try {
    return await body(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function rows<T = Record<string, unknown>>(c: Sql, sql: string, params: unknown[] = []): Promise<T[]> {
  const [r] = await c.query(sql, params);
  return (r as unknown as T[]).map((x) => ({ ...x }));
}

/** SHOW GLOBAL VARIABLES value of one variable, as text. */
export async function globalVariable(c: Sql, name: string): Promise<string | undefined> {
  const r = await rows<{ Value: string }>(c, 'SHOW GLOBAL VARIABLES LIKE ?', [name]);
  return r[0]?.Value;
}

/**
 * A content checksum of each table of a database: SHA-256 over the rows in
 * primary-key order, so two servers holding the same data agree whatever their
 * storage layout (CHECKSUM TABLE depends on the row format).
 */
export async function tableChecksums(c: Sql, database: string): Promise<Record<string, string>> {
  const tables = await rows<{ t: string }>(c, 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [database]);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const data = await rows(c, `SELECT * FROM \`${database}\`.\`${t}\` ORDER BY 1`);
    out[t] = createHash('sha256').update(JSON.stringify(data)).digest('hex');
  }
  return out;
}
