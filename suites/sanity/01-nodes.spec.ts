// Every node of the site answers over SSH, with the host key the environment
// pins, and is the host it claims to be.
import assert from 'node:assert/strict';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';

describe('sanity: nodes', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('every node answers over SSH with its own hostname', async () => {
    await place({ epic: 'Sanity', feature: 'nodes', story: 'SSH reachability' });
    for (const node of Object.keys(site.env.nodes)) {
      await step(`${node}: hostname over SSH`, async () => {
        const r = await site.remote.exec(node, 'hostname');
        assert.equal(r.stdout.trim().split('.')[0], node, `node ${node} says it is ${r.stdout.trim()}`);
      });
    }
  });
});
