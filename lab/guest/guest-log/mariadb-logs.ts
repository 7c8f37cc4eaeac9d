// The MySQL-family log definitions (trove/guestagent/datastore/mysql_common/
// manager.py get_datastore_log_defs / is_log_enabled) on the lab's MariaDB:
//   general     USER  <datadir>/<manager>-general.log     general_log, general_log_file, log_output=file
//   slow_query  USER  <datadir>/<manager>-slow_query.log  slow_query_log, slow_query_log_file, long_query_time
//   error       SYS   mariadbd's log_error (Trove: /var/log/mysqld.log; here the VM layout's)
//   guest       SYS   [DEFAULT] log_dir/log_file (Trove default /var/log/trove/trove-guestagent.log)
// and Trove's ConfigurationManager system overrides in the MariaDB include dir
// (10-system-NNN-<change id>.cnf before the user's 20-user group).
// Differences, on purpose: the files sit under the VM's mount point / VM_ROOT;
// long_query_time goes into the file as "1" rather than Python's "1.0".
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { underVmRoot } from '../config.ts';
import type { GuestConfig } from '../config.ts';
import { iniGet } from '../ini.ts';
import type { MariadbDatastore } from '../mariadb/datastore.ts';
import { mergeCnf, OverrideFiles, parseCnf, type CnfDict } from '../mariadb/my-cnf.ts';
import type { StatusReporter } from '../status-reporter.ts';
import type { CnfOptions, LogDatastore, LogDef } from './manager.ts';

export const SYSTEM_PRE_USER_GROUP = '10-system';
export const SYSTEM_POST_USER_GROUP = '50-system';
export const SERVER_SECTION = 'mysqld';

function ownerIds(name: string | null): { uid: number; gid: number } | null {
  if (!name) return null;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** validate_log_file: create empty if missing, chown to the owner, add u+rw g+rw o+r. */
export function validateLogFile(file: string, owner: string | null): string {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, '');
  const ids = ownerIds(owner);
  if (ids && process.getuid?.() === 0) chownSync(file, ids.uid, ids.gid);
  chmodSync(file, statSync(file).mode | 0o664);
  return file;
}

/** Trove's ConfigurationManager over ImportOverrideStrategy, for system overrides and reading merged values. */
export class MariadbConfigurationManager {
  private readonly overrides: OverrideFiles;
  constructor(
    private readonly myCnf: string,
    includeDir: string,
  ) {
    this.overrides = new OverrideFiles(includeDir);
  }

  removeSystemOverride(changeId: string): void {
    for (const group of [SYSTEM_POST_USER_GROUP, SYSTEM_PRE_USER_GROUP]) for (const f of this.overrides.existing(group, changeId)) rmSync(f, { force: true });
  }

  applySystemOverride(options: Record<string, CnfOptions>, changeId: string, preUser: boolean): void {
    const { path, text } = this.overrides.plan(preUser ? SYSTEM_PRE_USER_GROUP : SYSTEM_POST_USER_GROUP, changeId, options as CnfDict);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode: 0o644 });
  }

  /** parse_configuration: the base file, then every override file in name order. */
  parse(): CnfDict {
    const base = existsSync(this.myCnf) ? parseCnf(readFileSync(this.myCnf, 'utf8')) : {};
    return mergeCnf(this.overrides.merged(), base);
  }

  getValue(key: string, section: string, dflt: string): unknown {
    return this.parse()[section]?.[key] ?? dflt;
  }
}

export interface MariadbLogSettings {
  manager: string;
  /** [<manager>] guest_log_long_query_time in ms (default 1000). */
  longQueryTimeMs: number;
  /** The guest agent's own log file. */
  guestagentLog: string;
  exposedLogs: string;
}

export function mariadbLogSettings(config: GuestConfig, env: NodeJS.ProcessEnv = process.env): MariadbLogSettings {
  const m = config.datastoreManager;
  const d = (k: string) => iniGet(config.ini, 'DEFAULT', k) || undefined;
  const lqt = Number(iniGet(config.ini, m, 'guest_log_long_query_time') || 1000);
  const logDir = d('log_dir') ?? '/var/log/trove/';
  return {
    manager: m,
    longQueryTimeMs: Number.isFinite(lqt) ? lqt : 1000,
    guestagentLog: underVmRoot(join(logDir, d('log_file') ?? 'trove-guestagent.log'), env.VM_ROOT),
    exposedLogs: iniGet(config.ini, m, 'guest_log_exposed_logs') ?? 'general,slow_query',
  };
}

export class MariadbLogDatastore implements LogDatastore {
  readonly configurationManager: MariadbConfigurationManager;

  constructor(
    private readonly datastore: MariadbDatastore,
    private readonly reporter: StatusReporter,
    private readonly s: MariadbLogSettings,
  ) {
    const { layout } = datastore.settings;
    this.configurationManager = new MariadbConfigurationManager(layout.myCnf, layout.includeDir);
  }

  private get owner(): string | null {
    return this.datastore.settings.runAs;
  }

  /** get_data_dir(): the configured datadir (the 50-system override prepare writes). */
  private dataDir(): string {
    const v = this.configurationManager.getValue('datadir', SERVER_SECTION, '');
    return typeof v === 'string' && v ? v : this.datastore.settings.layout.dataDir;
  }

  datastoreLogDefs(): Record<string, LogDef> {
    const owner = this.owner;
    const dir = this.dataDir();
    const general = validateLogFile(join(dir, `${this.s.manager}-general.log`), owner);
    const error = validateLogFile(this.datastore.settings.layout.errorLog, owner);
    const slow = validateLogFile(join(dir, `${this.s.manager}-slow_query.log`), owner);
    return {
      general: {
        type: 'USER',
        user: owner,
        file: general,
        section: SERVER_SECTION,
        enable: { general_log: 'on', general_log_file: general, log_output: 'file' },
        disable: { general_log: 'off' },
      },
      slow_query: {
        type: 'USER',
        user: owner,
        file: slow,
        section: SERVER_SECTION,
        enable: { slow_query_log: 'on', slow_query_log_file: slow, long_query_time: this.s.longQueryTimeMs / 1000 },
        disable: { slow_query_log: 'off' },
      },
      error: { type: 'SYS', user: owner, file: error },
    };
  }

  guestagentLogDefs(): Record<string, LogDef> {
    return { guest: { type: 'SYS', user: null, file: this.s.guestagentLog } };
  }

  isLogEnabled(name: string): boolean {
    const key = name === 'general' ? 'general_log' : name === 'slow_query' ? 'slow_query_log' : null;
    if (!key) return false;
    return this.configurationManager.getValue(key, SERVER_SECTION, 'off') === 'on';
  }

  applyOverrides(values: CnfOptions): Promise<void> {
    return this.datastore.applyOverrides(values);
  }

  setRestartRequired(): Promise<void> {
    return this.reporter.setStatus('restart required');
  }
}
