// The MariaDB datastore's options, from the guest config. Trove's own
// ([<manager>] mount_point, ignore_users, ignore_dbs, default_password_length;
// [DEFAULT] root_grant, root_grant_option, state_change_*) keep Trove's names
// and defaults; lab_* options exist only because a lab VM shares the host:
//   lab_bind_address   what mariadbd listens on (default 0.0.0.0; a VM has its own netns);
//                      a CIDR (the lab: the tenant subnet 198.18.20.0/24) means this
//                      machine's IPv4 address in that subnet, so one guest config fits
//                      every VM and MariaDB listens on the tenant network only
//   lab_port           default 3306 (tcp_ports' first)
//   lab_run_as         OS user for mariadbd when the agent is root (default mysql)
//   lab_process_control  auto | supervisor | detached (auto: supervisor when
//                      SUPERVISOR_SERVER_URL is set, i.e. the agent runs under supervisord)
//   lab_supervisor_conf_dir  where the [program:mariadb] file goes (default /etc/supervisor/conf.d)
//   lab_mariabackup, lab_mbstream, lab_openssl  the backup tools (default /usr/bin/...)
// Backups use Trove's [DEFAULT] swift_url (the tenant's account is swift_url +
// project id), backup_swift_container (database_backups), storage_strategy
// (only swift) and backup_aes_cbc_key (decrypts pre-Victoria *.enc backups only).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { GuestConfig } from '../config.ts';
import { ConfigError } from '../config.ts';
import { iniGet } from '../ini.ts';
import { mariadbLayout, resolveMountPoint, type MariadbLayout } from './layout.ts';
import type { BackupTools } from '../backup/mariabackup.ts';

export interface BackupSettings {
  /** [DEFAULT] swift_url, '...AUTH_'; '' when not configured (a backup then fails with a clear error). */
  swiftUrl: string;
  /** [DEFAULT] backup_swift_container. */
  container: string;
  /** [DEFAULT] backup_aes_cbc_key; secret; '' = none. */
  aesKey: string;
  tools: BackupTools;
}

export interface MariadbSettings {
  manager: string;
  datastoreVersion: string | null;
  layout: MariadbLayout;
  bindAddress: string;
  port: number;
  /** null: run mariadbd as whoever the agent is (not root). */
  runAs: string | null;
  ignoreUsers: string[];
  ignoreDbs: string[];
  rootGrant: string[];
  rootGrantOption: boolean;
  passwordLength: number;
  stateChangeWaitMs: number;
  stateChangePollMs: number;
  processControl: 'supervisor' | 'detached';
  supervisorSocket: string | null;
  supervisorConfDir: string;
  mariadbd: string;
  installDb: string;
  backup: BackupSettings;
  /** [<manager>] replication_strategy, Trove's name for what replica snapshots carry. */
  replicationStrategy: string;
}

/** Trove 18 defaults per manager (cfg.py mysql_opts / mariadb_opts). */
const IGNORE_DBS: Record<string, string[]> = {
  mysql: ['mysql', 'information_schema', 'performance_schema', 'sys'],
  mariadb: ['mysql', 'information_schema', 'performance_schema'],
};

const ipv4 = (a: string): number | null => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  return o.every((x) => x <= 255) ? ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0 : null;
};

/** lab_bind_address: an address as is; a CIDR → the local IPv4 address inside it (the first, by interface order). */
export function resolveBindAddress(raw: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  if (!raw.includes('/')) return raw;
  const [net, len] = raw.split('/');
  const base = ipv4(net!);
  const bits = Number(len);
  if (base === null || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new ConfigError(`lab_bind_address ${raw} is neither an address nor an IPv4 CIDR`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const local = Object.entries(interfaces)
    .flatMap(([, infos]) => infos ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
  const hit = local.find((a) => ((ipv4(a)! & mask) >>> 0) === ((base & mask) >>> 0));
  if (!hit) throw new ConfigError(`lab_bind_address ${raw}: this machine has no address in that subnet (has ${local.join(', ') || 'none'})`);
  return hit;
}

const list = (raw: string | undefined, dflt: string[]): string[] => (raw === undefined ? dflt : raw.split(',').map((s) => s.trim()).filter(Boolean));

export function mariadbSettings(
  config: GuestConfig,
  env: NodeJS.ProcessEnv = process.env,
  isRoot = process.getuid?.() === 0,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): MariadbSettings {
  const m = config.datastoreManager;
  const opt = (key: string) => iniGet(config.ini, m, key) || undefined;
  const dflt = (key: string) => iniGet(config.ini, 'DEFAULT', key) || undefined;
  const int = (raw: string | undefined, dflt: number, what: string) => {
    const n = Number(raw ?? dflt);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError(`[${m}] ${what} must be a non-negative integer`);
    return n;
  };
  const supervisorSocket = env.SUPERVISOR_SERVER_URL?.startsWith('unix://') ? env.SUPERVISOR_SERVER_URL.slice(7) : null;
  const pc = opt('lab_process_control') ?? 'auto';
  if (!['auto', 'supervisor', 'detached'].includes(pc)) throw new ConfigError(`[${m}] lab_process_control must be auto, supervisor or detached`);
  if (pc === 'supervisor' && !supervisorSocket) throw new ConfigError(`[${m}] lab_process_control = supervisor, but SUPERVISOR_SERVER_URL is not set`);
  return {
    manager: m,
    datastoreVersion: config.datastoreVersion,
    layout: mariadbLayout(resolveMountPoint(config.mountPoint, env.VM_ROOT)),
    bindAddress: resolveBindAddress(opt('lab_bind_address') ?? '0.0.0.0', interfaces),
    port: int(opt('lab_port'), 3306, 'lab_port'),
    runAs: isRoot ? (opt('lab_run_as') ?? 'mysql') : null,
    ignoreUsers: list(opt('ignore_users'), ['os_admin', 'root']),
    ignoreDbs: list(opt('ignore_dbs'), IGNORE_DBS[m] ?? IGNORE_DBS.mysql!),
    rootGrant: list(dflt('root_grant'), ['ALL']),
    rootGrantOption: (dflt('root_grant_option') ?? 'true').toLowerCase() !== 'false',
    passwordLength: int(opt('default_password_length'), 36, 'default_password_length'),
    stateChangeWaitMs: config.stateChangeWaitTime * 1000,
    stateChangePollMs: config.stateChangePollTime * 1000,
    processControl: pc === 'detached' || (pc === 'auto' && !supervisorSocket) ? 'detached' : 'supervisor',
    supervisorSocket,
    supervisorConfDir: opt('lab_supervisor_conf_dir') ?? '/etc/supervisor/conf.d',
    mariadbd: opt('lab_mariadbd') ?? '/usr/sbin/mariadbd',
    installDb: opt('lab_install_db') ?? '/usr/bin/mariadb-install-db',
    backup: backupSettings(opt, dflt),
    replicationStrategy: replicationStrategy(m, opt('replication_strategy')),
  };
}

function backupSettings(opt: (k: string) => string | undefined, dflt: (k: string) => string | undefined): BackupSettings {
  const strategy = dflt('storage_strategy') ?? 'swift';
  if (strategy.toLowerCase() !== 'swift') throw new ConfigError(`[DEFAULT] storage_strategy = ${strategy}: the only backup storage Trove 18 (and this agent) has is swift`);
  const swiftUrl = dflt('swift_url') ?? '';
  if (swiftUrl && !/^https?:\/\/\S+$/.test(swiftUrl)) throw new ConfigError(`[DEFAULT] swift_url = ${swiftUrl} is not an http(s) URL (Trove: a URL ending in AUTH_)`);
  return {
    swiftUrl,
    container: dflt('backup_swift_container') ?? 'database_backups',
    aesKey: dflt('backup_aes_cbc_key') ?? '',
    tools: {
      mariabackup: opt('lab_mariabackup') ?? '/usr/bin/mariabackup',
      mbstream: opt('lab_mbstream') ?? '/usr/bin/mbstream',
      openssl: opt('lab_openssl') ?? '/usr/bin/openssl',
    },
  };
}

/** Trove's [<manager>] replication_strategy default per manager (cfg.py). */
export function replicationStrategy(manager: string, configured: string | undefined): string {
  return configured || (manager === 'mariadb' ? 'MariaDBGTIDReplication' : 'MysqlGTIDReplication');
}
