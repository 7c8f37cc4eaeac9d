// Trove v1.0 API (catalog type "database"): datastores, instances, their
// databases and users, backups, configuration groups. Thin on purpose: one
// method per REST call, waiting and workflows live in lib/trove/.
import { joinUrl } from './catalog.ts';
import type { HttpMethod, QueryValue } from './http.ts';
import type { KeystoneSession } from './keystone.ts';
import type {
  AdminDatastoreVersion,
  Backup,
  Configuration,
  ConfigurationParameter,
  ConfigurationDetail,
  CreateBackupRequest,
  CreateConfigurationRequest,
  CreateInstanceRequest,
  DatabaseDef,
  DatabaseUser,
  Datastore,
  DatastoreVersion,
  Instance,
  InstanceDetail,
  GuestLog,
  GuestLogAction,
  Link,
  UserDef,
} from './database-types.ts';

const SERVICE_TYPE = 'database';

// A Trove that keeps answering with a "next" link (a marker it does not honour)
// must not keep a run busy forever; no site has this many pages of anything.
const MAX_PAGES = 1000;

export class DatabaseClient {
  constructor(private readonly session: KeystoneSession) {}

  async listDatastores(): Promise<Datastore[]> {
    return (await this.call<{ datastores: Datastore[] }>('GET', 'datastores')).datastores;
  }

  /** Admin view of a datastore version (mgmt API): carries the image id and `active`. */
  async showDatastoreVersionMgmt(id: string): Promise<DatastoreVersion> {
    return (await this.call<{ version: DatastoreVersion }>('GET', `mgmt/datastore-versions/${id}`)).version;
  }

  /** Configuration parameters registered for a datastore version. */
  async listDatastoreVersionParameters(versionId: string): Promise<{ name: string }[]> {
    return (await this.call<{ 'configuration-parameters': { name: string }[] }>('GET', `datastores/versions/${versionId}/parameters`))['configuration-parameters'];
  }

  async showDatastore(nameOrId: string): Promise<Datastore> {
    return (await this.call<{ datastore: Datastore }>('GET', `datastores/${encodeURIComponent(nameOrId)}`)).datastore;
  }

  /** The configuration parameters registered for a datastore version (db_load_datastore_config_parameters). */
  async listConfigurationParameters(datastore: string, version: string): Promise<ConfigurationParameter[]> {
    const path = `datastores/${encodeURIComponent(datastore)}/versions/${encodeURIComponent(version)}/parameters`;
    return (await this.call<{ 'configuration-parameters': ConfigurationParameter[] }>('GET', path))['configuration-parameters'];
  }

  /** Admin only: every datastore version, with its image and active flag. */
  async listAdminDatastoreVersions(): Promise<AdminDatastoreVersion[]> {
    return (await this.call<{ versions: AdminDatastoreVersion[] }>('GET', 'mgmt/datastore-versions')).versions;
  }

  /** Admin only: refused by Trove while an instance, backup or configuration group uses the version. */
  async deleteAdminDatastoreVersion(id: string): Promise<void> {
    await this.call('DELETE', `mgmt/datastore-versions/${id}`);
  }

  /** Admin only (policy datastore:delete); refused while the datastore has versions. */
  async deleteDatastore(id: string): Promise<void> {
    await this.call('DELETE', `datastores/${id}`);
  }

  /** All instances of the project, following Trove's pages. */
  listInstances(): Promise<Instance[]> {
    return this.listAll<Instance>('instances', 'instances');
  }

  async showInstance(id: string): Promise<InstanceDetail> {
    return (await this.call<{ instance: InstanceDetail }>('GET', `instances/${id}`)).instance;
  }

  /** Answers at once with status BUILD; waiting for ACTIVE is the caller's business. */
  async createInstance(request: CreateInstanceRequest): Promise<InstanceDetail> {
    return (await this.call<{ instance: InstanceDetail }>('POST', 'instances', { instance: request })).instance;
  }

  async deleteInstance(id: string): Promise<void> {
    await this.call('DELETE', `instances/${id}`);
  }

  /** PUT /instances/{id} with a configuration group id, or null to detach it. */
  async setConfiguration(instanceId: string, configurationId: string | null): Promise<void> {
    await this.call('PUT', `instances/${instanceId}`, { instance: { configuration: configurationId } });
  }

  /** PATCH /instances/{id} with replica_of null: stop replicating (troveclient detach_replica). */
  async detachReplica(instanceId: string): Promise<void> {
    await this.call('PATCH', `instances/${instanceId}`, { instance: { replica_of: null } });
  }

  /** POST /instances/{id}/action, e.g. { restart: {} } or { promote_to_replica_source: {} }. */
  async instanceAction(instanceId: string, action: Record<string, unknown>): Promise<void> {
    await this.call('POST', `instances/${instanceId}/action`, action);
  }

  /** The configuration values in effect on the instance (GET /instances/{id}/configuration). */
  async showInstanceConfiguration(instanceId: string): Promise<Record<string, unknown>> {
    return (await this.call<{ instance: { configuration: Record<string, unknown> } }>('GET', `instances/${instanceId}/configuration`)).instance.configuration;
  }

  /** The guest logs the datastore offers (trove-api asks the guest: guest_log_list). */
  async listGuestLogs(instanceId: string): Promise<GuestLog[]> {
    return (await this.call<{ logs: GuestLog[] }>('GET', `instances/${instanceId}/log`)).logs;
  }

  /** POST /instances/{id}/log: show (no action), enable, disable, publish or discard one log. */
  async guestLogAction(instanceId: string, name: string, action?: GuestLogAction): Promise<GuestLog> {
    const body: Record<string, unknown> = { name };
    if (action) body[action] = 1;
    return (await this.call<{ log: GuestLog }>('POST', `instances/${instanceId}/log`, body)).log;
  }

  listDatabases(instanceId: string): Promise<{ name: string }[]> {
    return this.listAll<{ name: string }>(`instances/${instanceId}/databases`, 'databases');
  }

  async createDatabases(instanceId: string, databases: DatabaseDef[]): Promise<void> {
    await this.call('POST', `instances/${instanceId}/databases`, { databases });
  }

  async deleteDatabase(instanceId: string, name: string): Promise<void> {
    await this.call('DELETE', `instances/${instanceId}/databases/${encodeURIComponent(name)}`);
  }

  listUsers(instanceId: string): Promise<DatabaseUser[]> {
    return this.listAll<DatabaseUser>(`instances/${instanceId}/users`, 'users');
  }

  async createUsers(instanceId: string, users: UserDef[]): Promise<void> {
    await this.call('POST', `instances/${instanceId}/users`, { users });
  }

  async deleteUser(instanceId: string, name: string, host?: string): Promise<void> {
    await this.call('DELETE', `instances/${instanceId}/users/${userHostId(name, host)}`);
  }

  /** PUT /instances/{id}/users/{user}/databases: grant the user access to these databases. */
  async grantAccess(instanceId: string, name: string, databases: string[], host?: string): Promise<void> {
    await this.call('PUT', `instances/${instanceId}/users/${userHostId(name, host)}/databases`, { databases: databases.map((d) => ({ name: d })) });
  }

  async listAccess(instanceId: string, name: string, host?: string): Promise<{ name: string }[]> {
    return (await this.call<{ databases: { name: string }[] }>('GET', `instances/${instanceId}/users/${userHostId(name, host)}/databases`)).databases;
  }

  async revokeAccess(instanceId: string, name: string, database: string, host?: string): Promise<void> {
    await this.call('DELETE', `instances/${instanceId}/users/${userHostId(name, host)}/databases/${encodeURIComponent(database)}`);
  }

  /** Backups of the project, or of one instance. */
  listBackups(filter: { instanceId?: string } = {}): Promise<Backup[]> {
    return this.listAll<Backup>('backups', 'backups', { instance_id: filter.instanceId });
  }

  async showBackup(id: string): Promise<Backup> {
    return (await this.call<{ backup: Backup }>('GET', `backups/${id}`)).backup;
  }

  /** Answers 202 with status NEW; the guest does the work. */
  async createBackup(request: CreateBackupRequest): Promise<Backup> {
    return (await this.call<{ backup: Backup }>('POST', 'backups', { backup: request })).backup;
  }

  async deleteBackup(id: string): Promise<void> {
    await this.call('DELETE', `backups/${id}`);
  }

  listConfigurations(): Promise<Configuration[]> {
    return this.listAll<Configuration>('configurations', 'configurations');
  }

  async showConfiguration(id: string): Promise<ConfigurationDetail> {
    return (await this.call<{ configuration: ConfigurationDetail }>('GET', `configurations/${id}`)).configuration;
  }

  async createConfiguration(request: CreateConfigurationRequest): Promise<ConfigurationDetail> {
    return (await this.call<{ configuration: ConfigurationDetail }>('POST', 'configurations', { configuration: request })).configuration;
  }

  /** PATCH /configurations/{id}: change or add values; Trove pushes them to every attached instance. */
  async patchConfiguration(id: string, values: Record<string, string | number | boolean>): Promise<void> {
    await this.call('PATCH', `configurations/${id}`, { configuration: { values } });
  }

  async deleteConfiguration(id: string): Promise<void> {
    await this.call('DELETE', `configurations/${id}`);
  }

  /** The base URL of the project's Trove API: …/v1.0/{project_id}. */
  async baseUrl(): Promise<string> {
    return troveProjectUrl(await this.session.endpoint(SERVICE_TYPE), await this.session.projectId());
  }

  private async call<T = unknown>(method: HttpMethod, path: string, json?: unknown, query?: Record<string, QueryValue>): Promise<T> {
    const url = joinUrl(await this.baseUrl(), path);
    const r = await this.session.requestUrl<T>(SERVICE_TYPE, method, url, {
      ...(json !== undefined ? { json } : {}),
      ...(query ? { query } : {}),
    });
    return r.body;
  }

  // Trove pages lists (instances_page_size etc., 20 by default) with a
  // {"links": [{"rel": "next", "href": "…?marker=<id>"}]} entry next to the list.
  private async listAll<T>(path: string, key: string, query: Record<string, QueryValue> = {}): Promise<T[]> {
    const all: T[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.call<Record<string, unknown>>('GET', path, undefined, { ...query, marker });
      all.push(...((body[key] as T[] | undefined) ?? []));
      const next = nextMarker(body.links as Link[] | undefined);
      if (!next || next === marker) return all;
      marker = next;
    }
    throw new Error(`database: GET ${path} still had a next page after ${MAX_PAGES} pages; Trove is not honouring the marker`);
  }
}

/**
 * Keystone has already put the project id into a catalog URL registered as
 * …/v1.0/%(tenant_id)s; some sites register the endpoint without it, so add
 * what is missing rather than double it.
 */
export function troveProjectUrl(endpoint: string, projectId: string): string {
  const base = endpoint.replace(/\/+$/, '');
  if (base.endsWith(`/${projectId}`)) return base;
  if (/\/v1\.0$/.test(base)) return `${base}/${projectId}`;
  return `${base}/v1.0/${projectId}`;
}

/**
 * The id of a database user in a URL, as python-troveclient builds it
 * (common.quote_user_host): "name@host" quoted, with dots as %2e because Trove's
 * router would otherwise take ".anything" at the end as a file-type suffix.
 */
export function userHostId(name: string, host?: string): string {
  return encodeURIComponent(host ? `${name}@${host}` : name).replace(/\./g, '%2e');
}

function nextMarker(links: Link[] | undefined): string | undefined {
  const next = links?.find((l) => l.rel === 'next');
  if (!next) return undefined;
  try {
    return new URL(next.href).searchParams.get('marker') ?? undefined;
  } catch {
    return undefined;
  }
}
