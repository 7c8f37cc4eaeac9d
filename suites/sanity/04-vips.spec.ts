// Every VIP is held by exactly one of its candidate holders: none is an
// outage, two is split brain.
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';
import { readVipHolders, judgeVip } from '../../lib/checks/vip.ts';
import { expectHealthy } from '../../lib/checks/assert.ts';

describe('sanity: VIPs', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('each VIP has exactly one holder', async () => {
    await place({ epic: 'Sanity', feature: 'VIPs', story: 'single holder' });
    const findings = [];
    for (const [name, vip] of Object.entries(site.env.vips)) {
      const holding = await step(`who holds ${name} (${vip.address})`, () => readVipHolders(site.remote, name, vip.address, vip.holders));
      findings.push(...judgeVip(holding));
    }
    await expectHealthy('VIP holders', findings);
  });
});
