// Where a database engine plugs into the agent. The agent owns the RPC and
// the Trove status protocol; a Datastore owns the engine (MariaDB for the lab).
import type { ServiceStatus } from './service-status.ts';
import type { Context } from './oslo/secure.ts';

/** The keyword arguments of Trove's prepare cast (guestagent/api.py prepare, version 1.1). */
export interface PrepareRequest {
  packages: unknown;
  databases: unknown;
  memory_mb: unknown;
  users: unknown;
  device_path?: string | null;
  mount_point?: string | null;
  backup_info?: unknown;
  config_contents?: string | null;
  /** Secret. */
  root_password?: string | null;
  overrides?: unknown;
  cluster_config?: unknown;
  snapshot?: unknown;
  modules?: unknown;
  ds_version?: string | null;
}

export interface Datastore {
  /** e.g. 'mariadb'; must match guest_info.conf datastore_manager. */
  readonly manager: string;
  /** The filesystem get_filesystem_stats reports on (Trove: [<manager>] mount_point). */
  dataDir(): string;
  /** Manager.do_prepare: configure (restore backup_info with the request context's credentials) and start the engine; resolve once it is up. */
  prepare(req: PrepareRequest, context: Context): Promise<void>;
  /** Manager._prepare after end_install: databases, users, root (failures only logged there). */
  postPrepare?(req: PrepareRequest): Promise<void>;
  /** BaseDbStatus.get_actual_db_status. */
  status(): Promise<ServiceStatus>;
  /** App.stop_db: resolve when stopped. */
  stop(): Promise<void>;
  /** App.restart: resolve when healthy again. */
  restart(): Promise<void>;
}
