// The guest's configuration as Trove delivers it (cloud-init write_files, see
// trove/instance/models.py get_injected_files): <dir>/guest_info.conf with
// [DEFAULT] guest_id, datastore_manager, datastore_version, tenant_id and,
// with secure RPC, instance_rpc_encr_key; and <dir>/trove-guestagent.conf (a
// copy of the controller's guest_config) with transport_url, control_exchange,
// report_interval and [oslo_messaging_rabbit]. Like oslo.config with
// --config-dir, every *.conf in the directory is read in name order, later
// values winning.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { iniGet, parseIni, type Ini } from './ini.ts';

export interface GuestConfig {
  guestId: string;
  datastoreManager: string;
  datastoreVersion: string | null;
  tenantId: string | null;
  /** Secret. null = secure RPC off (clear text on the bus). */
  instanceRpcEncrKey: string | null;
  /** Secret (holds the AMQP password). */
  transportUrl: string;
  /** oslo default 'openstack'; Trove deployments set 'trove'. */
  controlExchange: string;
  conductorQueue: string;
  /** Seconds between status heartbeats (Trove default 30). */
  reportInterval: number;
  /** [<datastore_manager>] mount_point (Trove default /var/lib/mysql). */
  mountPoint: string;
  rabbit: {
    heartbeatTimeoutThreshold: number;
    retryInterval: number;
    retryBackoff: number;
    intervalMax: number;
    transientQueuesTtl: number;
  };
  /** Where the prepare-completed marker lives (Trove: /opt/trove-guestagent; in a lab VM under $VM_ROOT, see underVmRoot). */
  stateDir: string;
  /** [DEFAULT] state_change_wait_time: how long start/stop may take, s (Trove default 180). */
  stateChangeWaitTime: number;
  /** [DEFAULT] state_change_poll_time: s between status checks while waiting (Trove default 3). */
  stateChangePollTime: number;
  /** Every option read, for datastore-specific sections ([mysql], [mariadb]). */
  ini: Ini;
}

export class ConfigError extends Error {}

export function readIniDir(dir: string): Ini {
  const ini: Ini = new Map();
  const files = readdirSync(dir).filter((f) => f.endsWith('.conf')).sort();
  if (files.length === 0) throw new ConfigError(`no *.conf in ${dir}: guest_info.conf was not injected`);
  for (const f of files) {
    try {
      parseIni(readFileSync(join(dir, f), 'utf8'), ini);
    } catch (err) {
      throw new ConfigError(`${join(dir, f)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return ini;
}

/**
 * A lab micro-VM (lab/cloud/vm) shares the host's files except its /etc
 * entries; the namespace driver exports VM_ROOT (<vm dir>/root) and rewrites
 * injected non-/etc paths under it. A guest path outside /etc is therefore
 * taken below VM_ROOT (unless it already is), so two VMs never share
 * /opt/trove-guestagent or /var/lib/mysql and deleting a VM removes them.
 */
export function underVmRoot(path: string, vmRoot: string | undefined): string {
  if (!vmRoot || !isAbsolute(path)) return path;
  const rel = relative(vmRoot, path);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return path;
  return join(vmRoot, path);
}

export function guestConfigFromIni(ini: Ini, source: string, env: NodeJS.ProcessEnv = {}): GuestConfig {
  const d = (key: string) => iniGet(ini, 'DEFAULT', key) || undefined;
  // [oslo_messaging_rabbit] options; several were also accepted in [DEFAULT] (deprecated_group).
  const rabbit = (key: string, dflt: number): number => {
    const raw = iniGet(ini, 'oslo_messaging_rabbit', key) ?? d(key);
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`${source}: [oslo_messaging_rabbit] ${key} is not a number`);
    return n;
  };
  const need = (key: string, why: string): string => {
    const v = d(key);
    if (!v) throw new ConfigError(`${source}: [DEFAULT] ${key} is missing (${why})`);
    return v;
  };
  const guestId = need('guest_id', 'guest_info.conf was not injected or not read');
  const datastoreManager = need('datastore_manager', 'guest_info.conf was not injected or not read');
  const seconds = (key: string, dflt: number): number => {
    const n = Number(d(key) ?? dflt);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${source}: [DEFAULT] ${key} must be a number of seconds`);
    return n;
  };
  const reportInterval = seconds('report_interval', 30);
  return {
    guestId,
    datastoreManager,
    datastoreVersion: d('datastore_version') ?? null,
    tenantId: d('tenant_id') ?? null,
    instanceRpcEncrKey: d('instance_rpc_encr_key') ?? null,
    transportUrl: need('transport_url', 'trove-guestagent.conf (the controller guest_config) was not injected'),
    controlExchange: d('control_exchange') ?? 'openstack',
    conductorQueue: d('conductor_queue') ?? 'trove-conductor',
    reportInterval,
    mountPoint: iniGet(ini, datastoreManager, 'mount_point') || '/var/lib/mysql',
    rabbit: {
      heartbeatTimeoutThreshold: rabbit('heartbeat_timeout_threshold', 60),
      retryInterval: rabbit('rabbit_retry_interval', 1),
      retryBackoff: rabbit('rabbit_retry_backoff', 2),
      intervalMax: rabbit('rabbit_interval_max', 30),
      transientQueuesTtl: rabbit('rabbit_transient_queues_ttl', 1800),
    },
    stateDir: underVmRoot(iniGet(ini, 'guest_agent', 'state_dir') || '/opt/trove-guestagent', env.VM_ROOT),
    stateChangeWaitTime: seconds('state_change_wait_time', 180),
    stateChangePollTime: seconds('state_change_poll_time', 3),
    ini,
  };
}

export const readGuestConfig = (dir: string, env: NodeJS.ProcessEnv = process.env): GuestConfig => guestConfigFromIni(readIniDir(dir), dir, env);
