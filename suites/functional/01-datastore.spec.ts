// Item 1 of the documents' functional list: register a datastore, a version and
// its default configuration parameters the documents' way (trove-manage on a
// controller, over SSH), then check the API shows them and an instance uses them.
// The new datastore is named after the run; its version reuses the image and
// manager of the environment's own datastore version.
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { resourceName } from '../../lib/trove/naming.ts';
import { configuredVersion, registerDatastore } from '../../lib/trove/datastores.ts';
import { createInstance, waitInstance } from '../../lib/trove/instances.ts';
import { feature, functionalSuite, need } from './support.ts';

describe('functional 1: datastore', () => {
  const s = functionalSuite('01-datastore');
  const state: { datastore?: string; version?: string; manager?: string } = {};

  it('registers a datastore, its version and its configuration parameters with trove-manage on a controller', async () => {
    await feature('1. datastore', 'register with trove-manage');
    const base = await step('the environment\'s datastore version: manager and image (admin)', () => configuredVersion(s.t));
    await attachJson('template version', { datastore: base.datastore_name, version: base.name, manager: base.datastore_manager, image: base.image });
    const datastore = resourceName(s.t.runId, 'datastore');
    const ids = await registerDatastore(s.t, { datastore, version: base.name, manager: base.datastore_manager, image: need(base.image, 'an image on the configured datastore version') });
    await attachJson('registered', ids);
    Object.assign(state, { datastore, version: base.name, manager: base.datastore_manager });
  });

  it('the API shows the datastore, its version and its configuration parameters', async () => {
    await feature('1. datastore', 'shown by the API');
    const datastore = need(state.datastore, 'a registered datastore');
    const version = need(state.version, 'a registered version');
    const listed = await step('GET /datastores (tenant)', () => s.t.trove.listDatastores());
    const ds = listed.find((d) => d.name === datastore);
    assert.ok(ds, `datastore ${datastore} is not listed (have: ${listed.map((d) => d.name).join(', ')})`);
    assert.ok(ds.versions.some((v) => v.name === version), `datastore ${datastore} lists no version ${version}`);
    assert.equal(ds.default_version, ds.versions.find((v) => v.name === version)?.id, 'the version is not the default of the datastore');
    const params = await step(`GET /datastores/${datastore}/versions/${version}/parameters`, () => s.t.trove.listConfigurationParameters(datastore, version));
    const env = s.site.env.trove;
    const reference = await step(`GET /datastores/${env.datastore}/versions/${env.datastoreVersion}/parameters (the site's own version)`, () => s.t.trove.listConfigurationParameters(env.datastore, env.datastoreVersion));
    await attachJson('parameters', { registered: params.length, reference: reference.length, sample: params.slice(0, 5) });
    assert.ok(params.length > 0, 'no configuration parameters registered');
    assert.equal(params.length, reference.length, 'the registered version has a different number of parameters than the site\'s own (same validation rules)');
    for (const p of ['max_connections', 'wait_timeout', 'innodb_buffer_pool_size']) assert.ok(params.some((x) => x.name === p), `parameter ${p} missing`);
  });

  it('an instance of the new datastore version reaches ACTIVE with its datastore HEALTHY, then is deleted', async () => {
    await feature('1. datastore', 'an instance uses it');
    const datastore = need(state.datastore, 'a registered datastore');
    const version = need(state.version, 'a registered version');
    const inst = await createInstance(s.t, { what: 'ds-instance', datastore: { type: datastore, version } });
    const ready = await waitInstance(s.t, inst.id);
    assert.equal(ready.datastore.type, datastore);
    assert.equal(ready.datastore.version, version);
    await inst.remove();
  });
});
