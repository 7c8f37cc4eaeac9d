// JSON shapes of the Trove v1.0 API (Trove 18), taken from the views and the
// request schemas of the installed sources: trove/instance/views.py,
// trove/datastore/views.py, trove/extensions/mysql/views.py,
// trove/backup/views.py, trove/configuration/views.py, trove/common/apischema.py.

export interface Link {
  href: string;
  rel: string;
}

/**
 * trove/instance/models.py InstanceStatus, plus UNKNOWN from SimpleInstance.status.
 * (SimpleInstance.status also names InstanceStatus.LOGGING, which Trove 18 does
 * not define: an instance transferring logs makes trove-api fail, not answer.)
 */
export type InstanceStatus =
  | 'HEALTHY' | 'ACTIVE' | 'BLOCKED' | 'BUILD' | 'FAILED' | 'REBOOT' | 'RESIZE' | 'BACKUP' | 'SHUTDOWN'
  | 'ERROR' | 'RESTART_REQUIRED' | 'PROMOTE' | 'EJECT' | 'UPGRADE' | 'DETACH' | 'UNKNOWN';

/** An address as built from the Neutron ports of the instance (instance/models.py). */
export interface InstanceAddress {
  address: string;
  type: 'private' | 'public';
  /** Network id; only on private addresses. */
  network?: string;
}

/** InstanceView: what GET /instances lists. */
export interface Instance {
  id: string;
  name: string;
  status: InstanceStatus;
  /** The datastore service status (e.g. "HEALTHY"); "" while a task runs or the server is not ACTIVE. */
  operating_status: string;
  links: Link[];
  flavor: { id: string; links: Link[] };
  datastore: { type: string | null; version: string | null };
  region: string;
  access: { is_public?: boolean; allowed_cidrs?: string[] };
  /** Only for admin contexts. */
  tenant_id?: string;
  /** Only with volume support. */
  volume?: { size: number; used?: number };
  hostname?: string;
  /** Deprecated list of the addresses' IPs. */
  ip?: string[];
  addresses?: InstanceAddress[];
  replica_of?: { id: string; links: Link[] };
  replicas?: { id: string; links: Link[] }[];
}

/** InstanceDetailView: GET /instances/{id} and the answer to POST /instances. */
export interface InstanceDetail extends Instance {
  created: string;
  updated: string;
  service_status_updated: string;
  datastore: { type: string | null; version: string | null; version_number?: string };
  fault?: { message: string; created: string; details: string };
  configuration?: { id: string; name: string; links: Link[] };
  locality?: string;
  local_storage?: { used: number };
  /** Root password, only right after a create that enabled root. */
  password?: string;
  cluster_id?: string;
  shard_id?: string;
  /** Only for admin contexts. */
  server_id?: string;
  volume_id?: string | null;
  encrypted_rpc_messaging?: boolean;
}

export interface DatabaseDef {
  name: string;
  character_set?: string;
  collate?: string;
}

export interface UserDef {
  name: string;
  password: string;
  /** MySQL host pattern; Trove's default is "%". */
  host?: string;
  databases?: { name: string }[];
}

/** Body of POST /instances ({"instance": ...}); apischema.instance.create. */
export interface CreateInstanceRequest {
  name: string;
  /** Required, except for a replica (Trove refuses a flavor there: it takes the primary's). */
  flavorRef?: string | number;
  datastore?: { type?: string; version?: string; version_number?: string };
  volume?: { size: number; type?: string | null };
  databases?: DatabaseDef[];
  users?: UserDef[];
  configuration?: string | null;
  restorePoint?: { backupRef: string };
  replica_of?: string;
  replica_count?: number;
  availability_zone?: string;
  /** At most one; network_id or net-id, optional subnet_id / ip_address. */
  nics?: { 'net-id'?: string; network_id?: string; subnet_id?: string; ip_address?: string }[];
  modules?: { id: string }[];
  region_name?: string;
  locality?: 'affinity' | 'anti-affinity';
  access?: { is_public?: boolean; allowed_cidrs?: string[] };
}

export interface DatastoreVersion {
  id: string;
  name: string;
  version: string;
  links: Link[];
  /** Absent inside a datastore listing (include_datastore_id = False). */
  datastore?: string;
  /** Only for admin contexts. */
  active?: boolean;
  packages?: string;
  image?: string | null;
  image_tags?: string[];
}

export interface Datastore {
  id: string;
  name: string;
  links: Link[];
  versions: DatastoreVersion[];
  default_version?: string;
}

/** UsersView entry. */
export interface DatabaseUser {
  name: string;
  host: string;
  databases: { name: string }[];
}

/** trove/backup/state.py BackupState */
export type BackupStatus = 'NEW' | 'BUILDING' | 'SAVING' | 'COMPLETED' | 'FAILED' | 'RESTORED' | 'DELETE_FAILED';

export interface Backup {
  id: string;
  name: string;
  description: string | null;
  /** Swift URL of the backup file. */
  locationRef: string | null;
  instance_id: string | null;
  created: string;
  updated: string;
  /** GB */
  size: number | null;
  status: BackupStatus;
  parent_id: string | null;
  project_id: string;
  datastore?: { type: string; version: string; version_id: string };
}

/** Body of POST /backups ({"backup": ...}); apischema.backup.create. */
export interface CreateBackupRequest {
  name: string;
  instance?: string;
  description?: string;
  parent_id?: string;
  /** apischema boolean_string: an integer 0 or 1, not a JSON boolean. */
  incremental?: 0 | 1;
  swift_container?: string;
}

/** ConfigurationView: GET /configurations entries. */
export interface Configuration {
  id: string;
  name: string;
  description: string | null;
  created: string;
  updated: string;
  datastore_version_id: string;
  datastore_name: string;
  datastore_version_name: string;
}

/** DetailedConfigurationView: GET /configurations/{id} and the answer to POST /configurations. */
export interface ConfigurationDetail extends Configuration {
  /** Values whose names look like passwords are masked by Trove. */
  values: Record<string, unknown>;
  instance_count: number;
  datastore_version_number: string;
}

/** Body of POST /configurations ({"configuration": ...}); apischema.configuration.create. */
export interface CreateConfigurationRequest {
  name: string;
  values: Record<string, string | number | boolean>;
  description?: string;
  datastore?: { type?: string; version?: string; version_number?: string };
}

/** One entry of GET /datastores/{ds}/versions/{v}/parameters (trove/configuration/views.py). */
export interface ConfigurationParameter {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'float';
  restart_required: boolean;
  min?: number;
  max?: number;
  datastore_version_id?: string;
}

/** GET /mgmt/datastore-versions entries (admin; trove/extensions/mgmt/datastores/views.py). */
export interface AdminDatastoreVersion {
  id: string;
  name: string;
  datastore_id: string;
  datastore_name: string;
  datastore_manager: string;
  image: string | null;
  image_tags?: string[];
  packages: string | string[];
  active: boolean;
  default: boolean;
  version?: string;
}

/** trove/guestagent/guest_log.py GuestLog.show(). */
export interface GuestLog {
  name: string;
  /** USER or SYS */
  type: string;
  /** LogStatus: Disabled, Enabled, Published, Partial, Rotated, Restart_Required, Ready, Unavailable */
  status: string;
  published: number;
  pending: number;
  container: string;
  prefix: string;
  metafile: string;
}

export type GuestLogAction = 'enable' | 'disable' | 'publish' | 'discard';
