// Configuration groups: create (named after the run, in the ledger, undone by
// the cleanup: detached from every instance, then deleted), modify, attach, detach.
import { attachJson, step } from '../report/allure.ts';
import { isHttpError } from '../openstack/http-error.ts';
import type { TroveContext } from './context.ts';
import { resourceName } from './naming.ts';

export type ConfigValues = Record<string, string | number | boolean>;

export interface CreatedConfiguration {
  id: string;
  name: string;
  remove: () => Promise<void>;
}

export async function createConfiguration(t: TroveContext, what: string, values: ConfigValues): Promise<CreatedConfiguration> {
  const name = resourceName(t.runId, what);
  const env = t.site.env.trove;
  const c = await step(`POST /configurations ${name} ${JSON.stringify(values)}`, async () => {
    const r = await t.trove.createConfiguration({ name, values, datastore: { type: env.datastore, version: env.datastoreVersion } });
    await attachJson('answer', { id: r.id, values: r.values, datastore: `${r.datastore_name} ${r.datastore_version_name}` });
    return r;
  });
  t.record({ kind: 'configuration', id: c.id, name });
  const remove = t.cleanup.add(`delete configuration group ${name} (${c.id})`, () => deleteConfiguration(t, c.id, name));
  return { id: c.id, name, remove };
}

/** Detaches the group from any instance still using it (Trove refuses to delete it otherwise), then deletes it. */
export async function deleteConfiguration(t: TroveContext, id: string, name: string): Promise<void> {
  await step(`delete configuration group ${name}`, async () => {
    const attached = (await t.trove.listInstances()).map((i) => i.id);
    for (const instanceId of attached) {
      const detail = await t.trove.showInstance(instanceId).catch(() => undefined);
      if (detail?.configuration?.id === id) await t.trove.setConfiguration(instanceId, null);
    }
    try {
      await t.trove.deleteConfiguration(id);
    } catch (e) {
      if (!isHttpError(e, 404)) throw e;
    }
  });
}

export async function attachConfiguration(t: TroveContext, instanceId: string, configurationId: string): Promise<void> {
  await step(`PUT /instances/${instanceId} configuration ${configurationId} (attach)`, () => t.trove.setConfiguration(instanceId, configurationId));
}

export async function detachConfiguration(t: TroveContext, instanceId: string): Promise<void> {
  await step(`PUT /instances/${instanceId} configuration null (detach)`, () => t.trove.setConfiguration(instanceId, null));
}

export async function modifyConfiguration(t: TroveContext, id: string, values: ConfigValues): Promise<void> {
  await step(`PATCH /configurations/${id} ${JSON.stringify(values)}`, () => t.trove.patchConfiguration(id, values));
}
