// trove/common/db/mysql/models.py MySQLSchema and MySQLUser as they travel on
// the wire: serialize() is the object's __dict__ ({_name, _collate,
// _character_set} / {_name, _password, _host, _databases, _is_root}, in that
// key order), deserialize() reloads a dict through the validating setters.
// Validation messages are Trove's (ValueError), checked against vectors made
// by the real classes (test/fixtures/guest/mysql-vectors.json).
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { builtin, type RemoteFailure } from '../oslo/failure.ts';

const CHARSETS = JSON.parse(readFileSync(new URL('./trove-mysql-charsets.json', import.meta.url), 'utf8')) as {
  charset: Record<string, string[]>;
  collation: Record<string, string>;
};

export interface SerializedSchema {
  _name: string;
  _collate: string | null;
  _character_set: string | null;
}

export interface SerializedUser {
  _name: string;
  _password: string | null;
  _host: string;
  _databases: SerializedSchema[];
  _is_root: boolean;
}

export const valueError = (message: string): RemoteFailure => builtin('ValueError', message);

/** Python repr() of a str (how Trove prints names inside lists). */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
export const pyListRepr = (items: readonly string[]): string => `[${items.map(pyRepr).join(', ')}]`;

/** ("%r" % value).find("\\") != -1: anything Python's repr escapes (controls, non-printables). */
const reprEscapes = (s: string): boolean => /[\\\x00-\x1f\x7f-\xa0\xad\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/.test(s);

function checkString(value: unknown, desc: string): asserts value is string {
  if (typeof value !== 'string') throw valueError(`${desc} is not a string. Type = <class '${pyTypeName(value)}'>.`);
}
const pyTypeName = (v: unknown): string => (v === null || v === undefined ? 'NoneType' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v);

const DBNAME = /^[A-Za-z0-9_-]+[\s?#@]*[A-Za-z0-9_-]+$/;

/** MySQLSchema: a database with its character set and collation. */
export class MySQLSchema {
  private _name: string | null = null;
  private _collate: string | null = null;
  private _character_set: string | null = null;

  constructor(opts: { name: string; collate?: string | null; characterSet?: string | null } | null) {
    if (!opts) return; // deserializing
    this.name = opts.name;
    if (opts.collate) this.collate = opts.collate;
    if (opts.characterSet) this.characterSet = opts.characterSet;
  }

  static deserialize(value: unknown): MySQLSchema {
    const d = (value ?? {}) as Partial<SerializedSchema>;
    const s = new MySQLSchema(null);
    s._name = d._name ?? null;
    s._collate = d._collate ?? null;
    s._character_set = d._character_set ?? null;
    s.name = s._name as string; // verify_dict
    if (s._collate) s.collate = s._collate;
    else s._collate = null;
    if (s._character_set) s.characterSet = s._character_set;
    else s._character_set = null;
    return s;
  }

  get name(): string {
    return this._name!;
  }
  set name(value: string) {
    if (!value) throw valueError('Schema name empty.');
    checkString(value, 'Schema name');
    if (value.length > 64) throw valueError(`Schema name '${value}' is too long. Max length = 64.`);
    if (!DBNAME.test(value) || reprEscapes(value)) throw valueError(`'${value}' is not a valid schema name.`);
    this._name = value;
  }

  get collate(): string {
    if (!this._collate && !this._character_set) return 'utf8_general_ci';
    if (!this._collate) return CHARSETS.charset[this._character_set!]![0]!;
    return this._collate;
  }
  set collate(value: string | null) {
    if (!value) return;
    if (this._character_set) {
      if (!CHARSETS.charset[this._character_set]?.includes(value)) throw valueError(`${value} not a valid collation for charset ${this._character_set}.`);
      this._collate = value;
    } else {
      if (!Object.hasOwn(CHARSETS.collation, value)) throw valueError(`'${value}' not a valid collation.`);
      this._collate = value;
      this._character_set = CHARSETS.collation[value]!;
    }
  }

  get characterSet(): string {
    return this._character_set || 'utf8';
  }
  set characterSet(value: string | null) {
    if (!value) return;
    if (!Object.hasOwn(CHARSETS.charset, value)) throw valueError(`'${value}' not a valid character set.`);
    this._character_set = value;
  }

  checkReserved(ignoredDbs: readonly string[]): void {
    if (ignoredDbs.includes(this.name)) throw valueError(`Database name "${this.name}" is on the reserved list: ${pyListRepr(ignoredDbs)}.`);
  }
  checkCreate(ignoredDbs: readonly string[]): void {
    wrap('Cannot create database', () => this.checkReserved(ignoredDbs));
  }
  checkDelete(ignoredDbs: readonly string[]): void {
    wrap('Cannot delete database', () => this.checkReserved(ignoredDbs));
  }

  serialize(): SerializedSchema {
    return { _name: this._name!, _collate: this._collate, _character_set: this._character_set };
  }
}

function wrap(prefix: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw valueError(`${prefix}: ${(err as Error).message}`);
  }
}

const NOT_SUPPORTED = /^\s|\s$|'|"|;|`|,|\/|\\/;
const validString = (v: string): boolean => Boolean(v) && !NOT_SUPPORTED.test(v) && !reprEscapes(v);

/** netaddr.IPNetwork(host.replace('%', '1')) accepts it (CONF.hostname_require_valid_ip, default True). */
export function isValidHostName(value: string | null): boolean {
  if (value === null || value === '%') return true;
  const [addr, prefix, ...rest] = value.replace(/%/g, '1').split('/');
  if (rest.length > 0 || !addr) return false;
  if (isIPv4(addr)) return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= 32) || isIPv4Netmask(prefix);
  if (isIPv6(addr)) return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= 128);
  return false;
}
const isIPv4Netmask = (m: string): boolean => isIPv4(m) && /^1*0*$/.test(m.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join(''));

/** MySQLUser: name@host, password (only on the way in), databases it may use. */
export class MySQLUser {
  private _name: string | null = null;
  private _password: string | null = null;
  private _host: string | null = '%';
  private _databases: SerializedSchema[] = [];
  private _is_root = false;

  constructor(opts: { name: string; password?: string | null; host?: string | null; databases?: string | string[] } | null) {
    if (!opts) return;
    this.name = opts.name;
    if (opts.password) this.password = opts.password;
    if (opts.host) this.host = opts.host;
    if (opts.databases) this.databases = opts.databases;
  }

  /** MySQLUser.root(password): a random one when none is given (as Trove does). */
  static root(password: string): MySQLUser {
    const u = new MySQLUser({ name: 'root', password });
    u._is_root = true;
    return u;
  }

  static deserialize(value: unknown): MySQLUser {
    const d = (value ?? {}) as Partial<SerializedUser>;
    const u = new MySQLUser(null);
    u.name = d._name as string;
    if (d._password) u.password = d._password;
    else u._password = null;
    if (d._host) u.host = d._host;
    else u._host = '%';
    u._databases = d._databases ? [...d._databases] : [];
    for (const db of u._databases) MySQLSchema.deserialize(db); // validation only
    u._is_root = Boolean(d._is_root);
    return u;
  }

  get name(): string {
    return this._name!;
  }
  set name(value: string) {
    if (!value) throw valueError('User name empty.');
    checkString(value, 'User name');
    if (value.length > 16) throw valueError(`User name '${value}' is too long. Max length = 16.`);
    if (!validString(value)) throw valueError(`'${value}' is not a valid user name.`);
    this._name = value;
  }

  get password(): string | null {
    return this._password;
  }
  set password(value: string) {
    checkString(value, 'User password');
    if (!validString(value)) throw valueError(`'${value}' is not a valid password.`);
    this._password = value;
  }

  get host(): string {
    return this._host ?? '%';
  }
  set host(value: string) {
    checkString(value, 'User host name');
    if (!isValidHostName(value)) throw valueError(`'${value}' is not a valid hostname.`);
    this._host = value;
  }

  get databases(): SerializedSchema[] {
    return this._databases;
  }
  /** Appends (never replaces), skipping duplicates, like the Python setter. */
  set databases(value: string | string[]) {
    for (const name of Array.isArray(value) ? value : [value]) {
      const db = new MySQLSchema({ name }).serialize();
      if (!this._databases.some((d) => d._name === db._name && d._collate === db._collate && d._character_set === db._character_set)) this._databases.push(db);
    }
  }

  get isRoot(): boolean {
    return this._is_root;
  }

  checkReserved(ignoredUsers: readonly string[]): void {
    const ignored = this._is_root ? [] : ignoredUsers;
    if (ignored.includes(this.name)) throw valueError(`User name "${this.name}" is on the reserved list: ${pyListRepr(ignored)}.`);
  }
  checkCreate(ignoredUsers: readonly string[]): void {
    wrap('Cannot create user', () => this.checkReserved(ignoredUsers));
  }
  checkDelete(ignoredUsers: readonly string[]): void {
    wrap('Cannot delete user', () => this.checkReserved(ignoredUsers));
  }

  serialize(): SerializedUser {
    return { _name: this._name!, _password: this._password, _host: this.host, _databases: this._databases, _is_root: this._is_root };
  }
}
