// Guest log operations (Trove 18 Manager.guest_log_list / guest_log_action,
// both calls "1.0" from trove-api with agent_high_timeout). The request
// context carries the user's token and project: published logs go to that
// user's Swift account through [DEFAULT] swift_url (the lab: proxy.polex.io,
// the VM's management VIP), container guest_log_container_name.
import type { GuestConfig } from '../config.ts';
import { iniGet } from '../ini.ts';
import type { GuestLogSettings } from '../guest-log/guest-log.ts';
import { MariadbLogDatastore, mariadbLogSettings } from '../guest-log/mariadb-logs.ts';
import { GuestLogManager } from '../guest-log/manager.ts';
import { SwiftConnection, swiftStorageUrl, type SwiftEndpointSettings } from '../guest-log/swift.ts';
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

function intOption(config: GuestConfig, key: string, dflt: number): number {
  const raw = iniGet(config.ini, 'DEFAULT', key);
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`[DEFAULT] ${key} must be a positive integer (have ${raw})`);
  return n;
}

/** CONF.guest_log_* (trove/common/cfg.py defaults). */
export function guestLogSettings(config: GuestConfig): GuestLogSettings {
  return {
    guestId: config.guestId,
    datastoreManager: config.datastoreManager,
    containerName: iniGet(config.ini, 'DEFAULT', 'guest_log_container_name') || 'database_logs',
    limit: intOption(config, 'guest_log_limit', 1_000_000),
    expiry: intOption(config, 'guest_log_expiry', 2_592_000),
  };
}

export function swiftEndpointSettings(config: GuestConfig): SwiftEndpointSettings {
  const d = (k: string) => iniGet(config.ini, 'DEFAULT', k) || undefined;
  return {
    swiftUrl: d('swift_url') ?? null,
    serviceType: d('swift_service_type') ?? 'object-store',
    endpointType: d('swift_endpoint_type') ?? 'publicURL',
    region: iniGet(config.ini, 'service_credentials', 'region_name') || d('os_region_name') || 'RegionOne',
  };
}

export function guestLogOperations(deps: MysqlOperationDeps & { config: GuestConfig }): RpcMethod[] {
  const { config, datastore, reporter, log } = deps;
  const endpoint = swiftEndpointSettings(config);
  const logSettings = mariadbLogSettings(config);
  const manager = new GuestLogManager({
    datastore: new MariadbLogDatastore(datastore, reporter, logSettings),
    exposedLogs: logSettings.exposedLogs,
    log,
    logDeps: {
      settings: guestLogSettings(config),
      log,
      swift: (context) => {
        const token = typeof context.auth_token === 'string' ? context.auth_token : '';
        log.addSecret(token);
        return new SwiftConnection({ storageUrl: swiftStorageUrl(endpoint, context), token });
      },
    },
  });
  return [
    {
      name: 'guest_log_list',
      handler: (_a, call) => manager.guestLogList(call.context),
    },
    {
      name: 'guest_log_action',
      required: ['log_name', 'enable', 'disable', 'publish', 'discard'],
      handler: (a, call) => manager.guestLogAction(call.context, String(a.log_name), a.enable, a.disable, a.publish, a.discard),
    },
  ];
}
