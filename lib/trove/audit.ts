// The leak audit's inventory: everything on the site that a run could have left
// behind, read through the APIs (Trove as the tenant, Trove datastores and
// compute/network as the admin across projects, the tenant's Swift containers).
import type { Site } from '../harness/site.ts';
import { isHttpError } from '../openstack/http-error.ts';
import { DatabaseClient } from '../openstack/database.ts';
import { ComputeClient } from '../openstack/compute.ts';
import { NetworkClient } from '../openstack/network.ts';
import { ObjectStoreClient } from '../openstack/object-store.ts';
import type { LedgerEntry } from './ledger.ts';
import type { Inventory } from './leaks.ts';

/** Trove 18's defaults: backup_swift_container, guest_log_container_name. */
export const DEFAULT_TROVE_CONTAINERS = ['database_backups', 'database_logs'];

export async function gatherInventory(site: Site, ledger: LedgerEntry[]): Promise<Inventory> {
  const tenant = new DatabaseClient(site.openstack.tenant);
  const admin = new DatabaseClient(site.openstack.admin);
  const swift = new ObjectStoreClient(site.openstack.tenant);
  const containers = [...new Set([...DEFAULT_TROVE_CONTAINERS, ...ledger.filter((e) => e.container).map((e) => e.container!)])];
  const swiftObjects: Inventory['swiftObjects'] = [];
  for (const container of containers) {
    try {
      for (const o of await swift.listContainer(container)) swiftObjects.push({ container, name: o.name });
    } catch (e) {
      if (!isHttpError(e, 404)) throw e;
    }
  }
  const [instances, backups, configurations, versions, servers, ports] = await Promise.all([
    tenant.listInstances(),
    tenant.listBackups(),
    tenant.listConfigurations(),
    admin.listAdminDatastoreVersions(),
    new ComputeClient(site.openstack.admin).listServers({ allProjects: true }),
    new NetworkClient(site.openstack.admin).listPorts(),
  ]);
  const datastores = new Map<string, { id: string; name: string }>();
  for (const v of versions) datastores.set(v.datastore_id, { id: v.datastore_id, name: v.datastore_name });
  for (const d of await admin.listDatastores()) datastores.set(d.id, { id: d.id, name: d.name });
  return {
    instances: instances.map((i) => ({ id: i.id, name: i.name, status: i.status })),
    backups: backups.map((b) => ({ id: b.id, name: b.name, status: b.status, locationRef: b.locationRef })),
    configurations: configurations.map((c) => ({ id: c.id, name: c.name })),
    datastores: [...datastores.values()],
    servers: servers.map((s) => ({ id: s.id, name: s.name, status: s.status, metadata: s.metadata })),
    ports: ports.map((p) => ({ id: p.id, name: p.name, device_id: p.device_id })),
    swiftObjects,
  };
}
