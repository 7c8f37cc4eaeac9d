// Swift with Keystone auth: an object round-trips for the Trove user through
// the API endpoint, as trove-api and the harness use it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';
import { ObjectStoreClient } from '../../lib/openstack/object-store.ts';

describe('sanity: Swift', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('an object round-trips through the object-store endpoint', async () => {
    await place({ epic: 'Sanity', feature: 'Swift', story: 'object round trip' });
    const swift = new ObjectStoreClient(site.openstack.tenant);
    const container = `trove-ha-sanity-${site.ctx.runId}`;
    const payload = Buffer.from(`sanity ${site.ctx.runId} ${'x'.repeat(4096)}`);
    await step(`create container ${container}`, () => swift.createContainer(container));
    try {
      await step('put an object', () => swift.putObject(container, 'probe.bin', payload));
      const got = await step('get it back', () => swift.getObject(container, 'probe.bin'));
      assert.equal(createHash('sha256').update(got.body).digest('hex'), createHash('sha256').update(payload).digest('hex'), 'the object came back different');
    } finally {
      await step('remove the object and the container', async () => {
        await swift.deleteObject(container, 'probe.bin').catch(() => undefined);
        await swift.deleteContainer(container);
      });
    }
  });
});
