// The documents' datastore registration (seed 000): trove-manage on a
// controller, over SSH, registers a datastore, its version on a Glance image
// and the version's configuration parameters from Trove's validation rules.
// Undone through the admin API (trove-manage has no delete): the version first
// (DELETE /mgmt/datastore-versions/{id}, which also drops its parameters),
// then the datastore.
import { attachText, step } from '../report/allure.ts';
import { isHttpError } from '../openstack/http-error.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import type { AdminDatastoreVersion } from '../openstack/database-types.ts';
import type { TroveContext } from './context.ts';

export interface DatastoreRegistration {
  datastore: string;
  version: string;
  manager: string;
  image: string;
}

/** The node trove-manage runs on: trove.manage.node, else the first node running trove-api. */
export function manageNode(t: TroveContext): string {
  const env = t.site.env;
  const node = env.trove.manage.node ?? Object.keys(env.services[env.trove.services.api]?.instances ?? {})[0];
  if (!node) throw new Error(`trove.manage.node is not set and service ${env.trove.services.api} declares no instance; set trove.manage.node to a controller in the environment file`);
  return node;
}

/** One trove-manage call on the manage node; its output goes to the report. */
export async function troveManage(t: TroveContext, args: string[]): Promise<string> {
  const node = manageNode(t);
  const command = `${t.site.env.trove.manage.command} ${args.map(shellQuote).join(' ')}`;
  return step(`${node}: trove-manage ${args.join(' ')}`, async () => {
    const r = await t.site.remote.exec(node, command, { timeoutMs: 180_000, allowFail: true });
    await attachText('output', `exit ${r.code}\n${r.stdout}${r.stderr}`.slice(-4000));
    if (r.code !== 0) throw new Error(`trove-manage ${args.join(' ')} on ${node} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}; check trove.manage.command in the environment file`);
    return r.stdout;
  });
}

/** The environment's own datastore version as the admin sees it: its manager and image. */
export async function configuredVersion(t: TroveContext): Promise<AdminDatastoreVersion> {
  const env = t.site.env.trove;
  const versions = await t.admin.listAdminDatastoreVersions();
  const v = versions.find((x) => x.datastore_name === env.datastore && x.name === env.datastoreVersion);
  if (!v) throw new Error(`datastore ${env.datastore} version ${env.datastoreVersion} (trove.datastore/datastoreVersion) is not registered on this site`);
  return v;
}

/** Registers datastore + version + parameters the documents' way; the ledger and the cleanup learn of it. */
export async function registerDatastore(t: TroveContext, r: DatastoreRegistration): Promise<{ datastoreId: string; versionId: string }> {
  const rules = `${t.site.env.trove.manage.templatesDir}/${r.manager}/validation-rules.json`;
  // The cleanup is registered before the first call: a half-done registration is undone too.
  t.cleanup.add(`remove datastore ${r.datastore} and its version ${r.version}`, () => removeDatastore(t, r.datastore));
  await troveManage(t, ['datastore_update', r.datastore, '']);
  await troveManage(t, ['datastore_version_update', r.datastore, r.version, r.manager, r.image, '', '1']);
  await troveManage(t, ['datastore_update', r.datastore, r.version]);
  await troveManage(t, ['db_load_datastore_config_parameters', r.datastore, r.version, rules]);
  const ds = await t.admin.showDatastore(r.datastore);
  const version = ds.versions.find((v) => v.name === r.version);
  if (!version) throw new Error(`trove-manage reported success but datastore ${r.datastore} shows no version ${r.version}`);
  t.record({ kind: 'datastore', id: ds.id, name: r.datastore });
  t.record({ kind: 'datastore-version', id: version.id, name: `${r.datastore} ${r.version}` });
  return { datastoreId: ds.id, versionId: version.id };
}

export async function removeDatastore(t: TroveContext, datastore: string): Promise<void> {
  const versions = (await t.admin.listAdminDatastoreVersions()).filter((v) => v.datastore_name === datastore);
  for (const v of versions) await step(`DELETE /mgmt/datastore-versions/${v.id} (${datastore} ${v.name})`, () => t.admin.deleteAdminDatastoreVersion(v.id));
  const id = versions[0]?.datastore_id ?? (await t.admin.showDatastore(datastore).catch((e) => (isHttpError(e, 404) ? undefined : Promise.reject(e))))?.id;
  if (id) await step(`DELETE /datastores/${id} (${datastore})`, () => t.admin.deleteDatastore(id).catch((e) => (isHttpError(e, 404) ? undefined : Promise.reject(e))));
}
