// Item 2 of the documents' functional list: instance create (waits fail fast on
// ERROR and attach the fault and the guest log), show, list, delete (until gone,
// nothing left in compute or network).
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { createInstance, tenantAddress, waitInstance, type CreatedInstance } from '../../lib/trove/instances.ts';
import { feature, functionalSuite, need } from './support.ts';

describe('functional 2: instance', () => {
  const s = functionalSuite('02-instance');
  let inst: CreatedInstance | undefined;

  it('create: BUILD, then ACTIVE with its datastore HEALTHY', async () => {
    await feature('2. instance', 'create');
    inst = await createInstance(s.t, { what: 'instance' });
    const ready = await waitInstance(s.t, inst.id);
    await attachJson('ready', { id: ready.id, states: ready.states, seconds: ready.waitedMs / 1000 });
  });

  it('show and list: the instance with its datastore, flavor and tenant address', async () => {
    await feature('2. instance', 'show and list');
    const { id, name } = need(inst, 'an instance');
    const env = s.site.env.trove;
    const shown = await step(`GET /instances/${id}`, () => s.t.trove.showInstance(id));
    await attachJson('show', { name: shown.name, status: shown.status, operating_status: shown.operating_status, datastore: shown.datastore, flavor: shown.flavor.id, addresses: shown.addresses });
    assert.equal(shown.name, name);
    assert.equal(shown.status, 'ACTIVE');
    assert.equal(shown.datastore.type, env.datastore);
    assert.equal(shown.datastore.version, env.datastoreVersion);
    assert.ok(tenantAddress(shown), 'no tenant address');
    const listed = await step('GET /instances', () => s.t.trove.listInstances());
    const entry = listed.find((i) => i.id === id);
    assert.ok(entry, `instance ${id} is not listed`);
    assert.equal(entry.name, name);
    assert.equal(entry.status, 'ACTIVE');
  });

  it('delete: gone from the Trove instance list, and no server or port of it is left', async () => {
    await feature('2. instance', 'delete');
    await need(inst, 'an instance').remove();
  });
});
