// BaseMySqlAdmin + BaseMySqlRootAccess (trove/guestagent/datastore/
// mysql_common/service.py): databases, users, grants and root, with Trove's
// queries, validation and return shapes. Marker values are bound instead of
// interpolated (same result, no injection).
// Lab deviation: MariaDB >= 10.6 reports 'utf8' as utf8mb3, which Trove 18's
// charset table predates (MySQLSchema would raise ValueError and the listing
// would fail); rows are read back under the 'utf8' names Trove knows.
import { randomInt } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { builtin, troveError } from '../oslo/failure.ts';
import type { Logger } from '../log.ts';
import { MySQLSchema, MySQLUser, type SerializedSchema, type SerializedUser } from './models.ts';
import type { MariadbSettings } from './settings.ts';
import * as q from './sql.ts';
import { query } from './sql-client.ts';

/** Runs fn on a connection as the guest's admin user (Trove's get_engine). */
export type WithSql = <T>(fn: (c: Connection) => Promise<T>) => Promise<T>;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** utils.generate_random_password: passlib pwd.genword, charset ascii_62. */
export const randomPassword = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

const sqlList = (names: readonly string[]) => `'${names.join("', '")}'`;
const fromMb3 = (s: string) => s.replace(/^utf8mb3/, 'utf8');
const noneAttribute = (attr: string) => builtin('AttributeError', `'NoneType' object has no attribute '${attr}'`);

export class MariadbAdmin {
  constructor(
    private readonly sql: WithSql,
    private readonly s: Pick<MariadbSettings, 'ignoreUsers' | 'ignoreDbs' | 'rootGrant' | 'rootGrantOption' | 'passwordLength'>,
    private readonly log: Logger,
  ) {}

  async createDatabases(databases: unknown[]): Promise<void> {
    await this.sql(async (c) => {
      for (const item of databases) {
        const db = MySQLSchema.deserialize(item);
        db.checkCreate(this.s.ignoreDbs);
        await query(c, q.createDatabase(db.name, db.characterSet, db.collate));
      }
    });
  }

  async deleteDatabase(database: unknown): Promise<void> {
    const db = MySQLSchema.deserialize(database);
    db.checkDelete(this.s.ignoreDbs);
    await this.sql((c) => query(c, q.dropDatabase(db.name)));
  }

  /** Returns (databases, next_marker), a 2-list on the wire. */
  async listDatabases(limit: number | null, marker: string | null, includeMarker: boolean): Promise<[SerializedSchema[], string | null]> {
    const where = [`schema_name NOT IN (${sqlList(this.s.ignoreDbs)})`];
    const values: unknown[] = [];
    if (marker) {
      where.push(`schema_name ${includeMarker ? '>=' : '>'} ?`);
      values.push(marker);
    }
    const sql = `SELECT schema_name as name, default_character_set_name as charset, default_collation_name as collation FROM information_schema.schemata WHERE ${where.join(' AND ')} ORDER BY schema_name ASC${limit ? ` LIMIT ${limit + 1}` : ''};`;
    const rows = await this.sql((c) => query<{ name: string; charset: string; collation: string }>(c, sql, values));
    return paginate(rows, limit, (r) => {
      const db = new MySQLSchema({ name: r.name, characterSet: fromMb3(r.charset), collate: fromMb3(r.collation) });
      return [db.serialize(), db.name];
    });
  }

  async createUsers(users: unknown[]): Promise<void> {
    await this.sql(async (c) => {
      for (const item of users) {
        const user = MySQLUser.deserialize(item);
        user.checkCreate(this.s.ignoreUsers);
        await query(c, q.createUser(user.password), [user.name, user.host]);
        for (const database of user.databases) {
          const db = MySQLSchema.deserialize(database);
          await query(c, q.grant({ permissions: 'ALL', database: db.name, user: user.name, host: user.host }));
        }
      }
    });
  }

  async deleteUser(user: unknown): Promise<void> {
    const u = MySQLUser.deserialize(user);
    u.checkDelete(this.s.ignoreUsers);
    await this.sql((c) => query(c, q.dropUser(u.name, u.host)));
  }

  async listUsers(limit: number | null, marker: string | null, includeMarker: boolean): Promise<[SerializedUser[], string | null]> {
    const inner = "SELECT User, Host, CONCAT(User, '@', Host) as Marker FROM mysql.user ORDER BY User, Host";
    const where = ["Host != 'localhost'", `User NOT IN (${sqlList(this.s.ignoreUsers)})`];
    const values: unknown[] = [];
    if (marker) {
      where.push(`Marker ${includeMarker ? '>=' : '>'} ?`);
      values.push(marker);
    }
    const sql = `SELECT User, Host, Marker FROM (${inner}) as innerquery WHERE ${where.join(' AND ')} ORDER BY Marker${limit ? ` LIMIT ${limit + 1}` : ''};`;
    return this.sql(async (c) => {
      const rows = await query<{ User: string; Host: string; Marker: string }>(c, sql, values);
      const grants = await schemaGrants(c);
      return paginate(rows, limit, (r) => {
        const u = new MySQLUser({ name: r.User, host: r.Host });
        u.checkReserved(this.s.ignoreUsers);
        associateDbs(u, grants);
        return [u.serialize(), r.Marker];
      });
    });
  }

  /** _get_user: null when not exactly one match; BadRequest for a reserved/invalid name. */
  private async findUser(username: string, hostname: string): Promise<MySQLUser | null> {
    let user: MySQLUser;
    try {
      user = new MySQLUser({ name: username });
      user.checkReserved(this.s.ignoreUsers);
    } catch (err) {
      throw troveError('BadRequest', `Username ${username} is not valid: ${(err as Error).message}`);
    }
    return this.sql(async (c) => {
      const rows = await query<{ User: string; Host: string }>(c, "SELECT User, Host FROM mysql.user WHERE Host != 'localhost' AND User = ? AND Host = ? ORDER BY User, Host;", [username, hostname]);
      if (rows.length !== 1) return null;
      user.host = rows[0]!.Host;
      associateDbs(user, await schemaGrants(c));
      return user;
    });
  }

  async getUser(username: string, hostname: string): Promise<SerializedUser | null> {
    return (await this.findUser(username, hostname))?.serialize() ?? null;
  }

  async listAccess(username: string, hostname: string): Promise<SerializedSchema[]> {
    const user = await this.findUser(username, hostname);
    if (!user) throw noneAttribute('databases');
    return user.databases;
  }

  async grantAccess(username: string, hostname: string, databases: unknown[]): Promise<void> {
    const user = await this.findUser(username, hostname);
    await this.sql(async (c) => {
      for (const database of databases) {
        let db: MySQLSchema;
        try {
          db = new MySQLSchema({ name: database as string });
          db.checkReserved(this.s.ignoreDbs);
        } catch {
          throw troveError('BadRequest', `Grant access to ${String(database)} is not allowed`);
        }
        if (!user) throw noneAttribute('name');
        await query(c, q.grant({ permissions: 'ALL', database: db.name, user: user.name, host: user.host }));
      }
    });
  }

  async revokeAccess(username: string, hostname: string, database: string): Promise<void> {
    const user = await this.findUser(username, hostname);
    if (!user) throw noneAttribute('name');
    await this.sql((c) => query(c, q.revokeAll(database, user.name, user.host)));
  }

  async changePasswords(users: Array<{ name: string; host: string; password: string }>): Promise<void> {
    await this.sql(async (c) => {
      for (const item of users) {
        const user = MySQLUser.deserialize({ _name: item.name, _host: item.host, _password: item.password });
        await query(c, q.setPassword(user.name, user.host, user.password));
      }
    });
  }

  async updateAttributes(username: string, hostname: string, attrs: { name?: string | null; host?: string | null; password?: string | null }): Promise<void> {
    const user = await this.findUser(username, hostname);
    const { name: newName, host: newHost, password: newPassword } = attrs ?? {};
    if (!(newName || newHost || newPassword)) return;
    if (!user) throw noneAttribute('name');
    await this.sql(async (c) => {
      if (newPassword !== undefined && newPassword !== null) await query(c, q.setPassword(user.name, user.host, newPassword));
      if (newName || newHost) await query(c, q.renameUser(user.name, user.host, newName, newHost));
    });
  }

  async isRootEnabled(): Promise<boolean> {
    return (await this.sql((c) => query(c, q.ROOT_ENABLED))).length !== 0;
  }

  /** enable_root: root@'%' with the password (random if none), root_grant WITH GRANT OPTION; the serialized root user. */
  async enableRoot(rootPassword: string | null): Promise<SerializedUser> {
    const user = MySQLUser.root(rootPassword || randomPassword(this.s.passwordLength));
    await this.sql(async (c) => {
      try {
        await query(c, q.createUser(), [user.name, user.host]);
      } catch (err) {
        this.log.debug(`root@'%' exists already, only resetting its password (${(err as Error).message})`);
      }
      await query(c, q.setPassword(user.name, user.host, user.password));
      await query(c, q.grant({ permissions: this.s.rootGrant, user: user.name, host: user.host, grantOption: this.s.rootGrantOption }));
    });
    return user.serialize();
  }

  /** disable_root: enable_root(None) — a random, unknown password — and returns None. */
  async disableRoot(): Promise<null> {
    await this.enableRoot(null);
    return null;
  }
}

interface SchemaGrant {
  grantee: string;
  table_schema: string;
}

/** The rows _associate_dbs walks: who has more than USAGE on which schema. */
const schemaGrants = (c: Connection) =>
  query<SchemaGrant>(c, "SELECT grantee, table_schema FROM information_schema.SCHEMA_PRIVILEGES WHERE privilege_type != 'USAGE' GROUP BY grantee, table_schema;");

function associateDbs(user: MySQLUser, grants: SchemaGrant[]): void {
  for (const g of grants) if (g.grantee === `'${user.name}'@'${user.host}'`) user.databases = g.table_schema;
}

/** Trove's limit+1 pagination: next_marker is the last item's marker only if more rows exist. */
export function paginate<R, T>(rows: R[], limit: number | null, item: (r: R) => [T, string]): [T[], string | null] {
  const out: T[] = [];
  let next: string | null = null;
  for (const [count, row] of rows.entries()) {
    if (limit !== null && count >= limit) break;
    const [value, marker] = item(row);
    next = marker;
    out.push(value);
  }
  if (limit !== null && rows.length <= limit) next = null;
  return [out, next];
}
