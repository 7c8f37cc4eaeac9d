// Every server behind every HAProxy (API VIP on the controllers, guest proxy on
// the trove-mgmt HAProxy nodes) passes its health check.
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';
import { readHaproxy, judgeHaproxy } from '../../lib/checks/haproxy.ts';
import { expectHealthy } from '../../lib/checks/assert.ts';

describe('sanity: HAProxy', () => {
  let site: Site;
  before(function () {
    site = openSite();
    if (!site.env.haproxy) this.skip(); // no HAProxy declared
  });
  after(() => site?.close());

  it('every backend server is UP on every HAProxy node', async () => {
    await place({ epic: 'Sanity', feature: 'HAProxy', story: 'backends' });
    const findings = [];
    for (const [node, socket] of Object.entries(site.env.haproxy!.statsSockets)) {
      const rows = await step(`${node}: show stat`, () => readHaproxy(site.remote, node, socket));
      findings.push(...judgeHaproxy(node, rows));
    }
    await expectHealthy('HAProxy backends', findings);
  });
});
