// my.cnf handling. Trove writes config_contents (the rendered
// config.template) verbatim to /etc/mysql/my.cnf and keeps every change in
// conf.d override files named <group>-<nnn>-<change id>.cnf (IniCodec text;
// guestagent/common/configuration.py ImportOverrideStrategy): 20-user-* for the
// user's configuration group, 50-system-* for the guest's own (datadir).
// The lab keeps the template's values but must force what points outside the
// VM or is host-wide: paths, port, bind address, the include directory; and
// comments out options the installed mariadbd does not know (the template of
// 'mysql' carries MySQL 8 options; innodb_log_files_in_group is gone in 10.6).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MariadbLayout } from './layout.ts';

export type CnfValue = string | number | boolean | null;
export type CnfDict = Record<string, Record<string, CnfValue>>;

/** mariadbd treats '-' and '_' alike, and accepts loose-/skip-/enable-/disable-/maximum- prefixes. */
export const optionKey = (name: string): string => name.trim().toLowerCase().replace(/-/g, '_');
export function baseOptionName(name: string): string {
  let k = optionKey(name);
  for (;;) {
    const m = /^(loose|skip|enable|disable|maximum)_(.+)$/.exec(k);
    if (!m) return k;
    k = m[2]!;
  }
}

/** IniCodec.deserialize: sections of key -> raw string value (null for a bare key); comment lines skipped. */
export function parseCnf(text: string): CnfDict {
  const out: CnfDict = {};
  let section: Record<string, CnfValue> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('!')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = out[header[1]!] ??= {};
      continue;
    }
    if (!section) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) section[line.toLowerCase()] = null;
    else section[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** IniCodec.serialize (configparser.write): lower-cased keys, "key = value", a blank line after each section. */
export function serializeCnf(d: CnfDict): string {
  let out = '';
  for (const [section, options] of Object.entries(d)) {
    out += `[${section}]\n`;
    for (const [k, v] of Object.entries(options)) out += v === null ? `${k.toLowerCase()}\n` : `${k.toLowerCase()} = ${pyStr(v).replace(/\n/g, '\n\t')}\n`;
    out += '\n';
  }
  return out;
}
const pyStr = (v: string | number | boolean): string => (v === true ? 'True' : v === false ? 'False' : String(v));

/** guestagent_utils.update_dict(updates, target): recursive merge, updates win. */
export function mergeCnf(updates: CnfDict, target: CnfDict): CnfDict {
  const out: CnfDict = {};
  for (const [s, o] of Object.entries(target)) out[s] = { ...o };
  for (const [s, o] of Object.entries(updates)) out[s] = { ...(out[s] ?? {}), ...o };
  return out;
}

export interface BaseCnfOptions {
  layout: MariadbLayout;
  bindAddress: string;
  port: number;
  /** Option names (optionKey form) the installed mariadbd knows; null = don't filter. */
  knownOptions: ReadonlySet<string> | null;
}

export interface BaseCnf {
  text: string;
  /** Template options left out, with why (for the agent's log). */
  skipped: string[];
}

const SERVER_SECTIONS = new Set(['mysqld', 'server', 'mariadb', 'mariadbd']);

/** config_contents as my.cnf for this VM: template values kept, VM-specific ones forced. */
export function renderBaseCnf(contents: string, o: BaseCnfOptions): BaseCnf {
  const { layout } = o;
  const forced: Record<string, Record<string, string>> = {
    mysqld: { datadir: layout.dataDir, socket: layout.socket, pid_file: layout.pidFile, port: String(o.port), bind_address: o.bindAddress, log_error: layout.errorLog },
    client: { socket: layout.socket, port: String(o.port) },
  };
  const out: string[] = ['# Trove config_contents for this lab VM: paths, port and bind-address forced by the lab guest agent.'];
  const skipped: string[] = [];
  let section = '';
  let seen = new Set<string>();
  const closeSection = () => {
    for (const [k, v] of Object.entries(forced[section] ?? {})) if (!seen.has(k)) out.push(`${k.replace(/_/g, '-')} = ${v}`);
  };
  let includeSeen = false;
  for (const raw of contents.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      closeSection();
      section = header[1]!.trim();
      seen = new Set();
      out.push(raw);
      continue;
    }
    if (/^!includedir\s/.test(line)) {
      closeSection();
      section = '';
      includeSeen = true;
      out.push(`!includedir ${layout.includeDir}`);
      continue;
    }
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('!')) {
      out.push(raw);
      continue;
    }
    const eq = line.search(/[=]/);
    const name = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? null : line.slice(eq + 1).trim();
    const key = optionKey(name);
    const f = forced[section === 'mysqld' || SERVER_SECTIONS.has(section) ? 'mysqld' : section];
    if (f && key in f) {
      if (!seen.has(key)) out.push(`${name.trim()} = ${f[key]}`);
      seen.add(key);
      continue;
    }
    if (SERVER_SECTIONS.has(section)) {
      const why = unusable(key, value, o.knownOptions);
      if (why) {
        skipped.push(`${name.trim()} (${why})`);
        out.push(`# lab: ${why}: ${line}`);
        continue;
      }
    }
    out.push(raw);
  }
  closeSection();
  if (!includeSeen) out.push(`!includedir ${layout.includeDir}`);
  return { text: `${out.join('\n')}\n`, skipped };
}

function unusable(key: string, value: string | null, known: ReadonlySet<string> | null): string | null {
  // MySQL's "disable LOAD DATA/SELECT INTO OUTFILE"; MariaDB would take NULL as a directory name.
  if (key === 'secure_file_priv' && value?.toUpperCase() === 'NULL') return 'NULL is MySQL-only here';
  if (known && !known.has(baseOptionName(key)) && !known.has(key)) return 'not an option of this mariadbd';
  return null;
}

/** Option names from `mariadbd --verbose --help` (the "Variables" table). */
export function parseHelpOptions(help: string): Set<string> {
  const names = new Set<string>();
  const lines = help.split('\n');
  let i = lines.findIndex((l) => /^-{20,}\s+-{5,}/.test(l));
  if (i < 0) return names;
  for (i++; i < lines.length && lines[i]!.trim(); i++) names.add(optionKey(lines[i]!.split(/\s+/)[0]!));
  return names;
}

/** ImportOverrideStrategy in <includeDir>: files <group>-<nnn>-<changeId>.cnf, applied in name order. */
export class OverrideFiles {
  constructor(private readonly dir: string) {}

  private files(group = '.+', changeId = '.+'): string[] {
    if (!existsSync(this.dir)) return [];
    const re = new RegExp(`^${group}-([0-9]+)-${changeId}\\.cnf$`);
    return readdirSync(this.dir).filter((f) => re.test(f)).sort();
  }

  /** Where `apply` writes, and what it writes: an existing file is merged into (new values win). */
  plan(group: string, changeId: string, options: CnfDict): { path: string; text: string } {
    const existing = this.files(group, changeId)[0];
    if (existing) {
      const path = join(this.dir, existing);
      return { path, text: serializeCnf(mergeCnf(options, parseCnf(readFileSync(path, 'utf8')))) };
    }
    const last = this.files(group).at(-1);
    const index = last ? Number(/-([0-9]+)-/.exec(last)![1]) : 0;
    return { path: join(this.dir, `${group}-${String(index + 1).padStart(3, '0')}-${changeId}.cnf`), text: serializeCnf(options) };
  }

  /** Files to delete for remove(group[, changeId]). */
  existing(group: string, changeId?: string): string[] {
    return this.files(group, changeId).map((f) => join(this.dir, f));
  }

  /** parse_updates: all overrides merged in order. */
  merged(): CnfDict {
    let out: CnfDict = {};
    for (const f of this.files()) out = mergeCnf(parseCnf(readFileSync(join(this.dir, f), 'utf8')), out);
    return out;
  }
}

export const USER_GROUP = '20-user';
export const SYSTEM_POST_USER_GROUP = '50-system';
export const DEFAULT_CHANGE_ID = 'common';
