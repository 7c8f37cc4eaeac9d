// What every Trove workflow needs: the site, the tenant's and the admin's Trove
// clients, the run's ledger and the suite's cleanup stack.
import type { Site } from '../harness/site.ts';
import { DatabaseClient } from '../openstack/database.ts';
import { ObjectStoreClient } from '../openstack/object-store.ts';
import { Cleanup } from './cleanup.ts';
import { recordResource, type LedgerEntry } from './ledger.ts';

export interface TroveContext {
  site: Site;
  runId: string;
  /** The Trove user (tenant project): everything a suite creates is created as this user. */
  trove: DatabaseClient;
  /** Admin: faults of instances, datastore management. */
  admin: DatabaseClient;
  /** The tenant's Swift account: backups and published logs land there. */
  swift: ObjectStoreClient;
  cleanup: Cleanup;
  /** Writes the resource into the run's ledger (read by the leak audit). */
  record(e: Omit<LedgerEntry, 'at' | 'by'>): void;
}

export function troveContext(site: Site, by: string): TroveContext {
  return {
    site,
    runId: site.ctx.runId,
    trove: new DatabaseClient(site.openstack.tenant),
    admin: new DatabaseClient(site.openstack.admin),
    swift: new ObjectStoreClient(site.openstack.tenant),
    cleanup: new Cleanup(),
    record: (e) => recordResource(site.ctx.runDir, { ...e, by }),
  };
}
