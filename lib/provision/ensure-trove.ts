// Trove's side of the documents' setup: the cloud-init script on every
// controller (read, compared, replaced only when it differs; Trove reads it at
// each instance create, so nothing is reloaded), and the datastore, its
// version on the configured image and its configuration parameters, read
// through the Trove API and registered with trove-manage over SSH on the first
// controller only when missing or different.
import { ConfigError } from '../env/errors.ts';
import type { Environment } from '../env/schema.ts';
import type { ImageClient } from '../openstack/compute.ts';
import type { DatabaseClient } from '../openstack/database.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import type { EnsureContext } from './change.ts';
import { provisionOf } from './desired.ts';
import { ensureNodeFile } from './push-configs.ts';
import { renderCloudinit } from './render-cloudinit.ts';

export function troveProvision(env: Environment) {
  const t = provisionOf(env).trove;
  if (!t) throw new ConfigError('provision.trove is not set: add it (controllers, image) to provision the cloud-init script and the datastore');
  return t;
}

export async function ensureCloudinit(ctx: EnsureContext, env: Environment, remote: RemoteExecutor): Promise<void> {
  const t = troveProvision(env);
  const content = renderCloudinit(env);
  for (const node of t.controllers) {
    await ensureNodeFile(ctx, remote, {
      node,
      kind: 'cloud-init',
      path: `${t.cloudinitDir}/${t.manager}.cloudinit`,
      content,
      checkCommand: t.cloudinitCheckCommand,
      reload: async () => undefined,
    });
  }
}

export async function ensureDatastore(ctx: EnsureContext, env: Environment, trove: DatabaseClient, glance: ImageClient, remote: RemoteExecutor): Promise<void> {
  const t = troveProvision(env);
  const name = env.trove.datastore;
  const version = env.trove.datastoreVersion;
  const what = `datastore ${name} ${version}`;
  const image = await glance.imageNamed(t.image);
  if (!image) {
    ctx.record({ action: 'drift', object: what, detail: `image "${t.image}" not found in Glance (upload it or fix provision.trove.image)` });
    return;
  }
  const ds = (await trove.listDatastores()).find((d) => d.name === name);
  const v = ds?.versions.find((x) => x.name === version);
  const manage = async (args: string[]) => {
    const cmd = `${t.manageCommand} ${args.map(shellQuote).join(' ')}`;
    const r = await remote.exec(t.controllers[0]!, cmd, { allowFail: true, timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`${what}: \`${cmd}\` on ${t.controllers[0]} failed (exit ${r.code}): ${`${r.stderr}${r.stdout}`.trim().split('\n').slice(-5).join(' | ')}`);
  };
  const parametersFile = t.parametersFile ?? `/usr/lib/python3/dist-packages/trove/templates/${t.manager}/validation-rules.json`;
  const register = async () => {
    await manage(['datastore_update', name, '']);
    await manage(['datastore_version_update', name, version, t.manager, image.id, t.packages, '1']);
    await manage(['datastore_update', name, version]);
  };
  if (!v) {
    if (!ctx.dryRun) {
      await register();
      await manage(['db_load_datastore_config_parameters', name, version, parametersFile]);
    }
    ctx.record({ action: 'create', object: what, detail: `manager ${t.manager}, image ${t.image} (${image.id}), parameters from ${parametersFile}` });
    return;
  }
  const diffs: string[] = [];
  const mgmt = await trove.showDatastoreVersionMgmt(v.id);
  const needsVersion = mgmt.image !== image.id || mgmt.active === false;
  if (mgmt.image !== image.id) diffs.push(`image ${mgmt.image ?? 'none'} -> ${image.id}`);
  if (mgmt.active === false) diffs.push('inactive -> active');
  const parameters = await trove.listDatastoreVersionParameters(v.id);
  if (!parameters.length) diffs.push(`no configuration parameters -> ${parametersFile}`);
  if (!diffs.length) {
    ctx.record({ action: 'unchanged', object: what, detail: `${parameters.length} configuration parameters` });
    return;
  }
  if (!ctx.dryRun) {
    if (needsVersion) await register();
    if (!parameters.length) await manage(['db_load_datastore_config_parameters', name, version, parametersFile]);
  }
  ctx.record({ action: 'update', object: what, detail: diffs.join('; ') });
}
