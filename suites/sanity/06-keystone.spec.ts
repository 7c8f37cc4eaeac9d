// Keystone issues tokens for the operator (admin) and the Trove user (tenant)
// through the site's Keystone URL (the API VIP), with a usable catalog.
import assert from 'node:assert/strict';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step, attachJson } from '../../lib/report/allure.ts';

describe('sanity: Keystone', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  for (const who of ['admin', 'tenant'] as const) {
    it(`issues a ${who} token through ${'the API VIP'}`, async () => {
      await place({ epic: 'Sanity', feature: 'Keystone', story: `${who} token` });
      const t = await step(`authenticate as ${who} at ${site.env.keystone.url}`, () => site.openstack[who].token());
      assert.ok(t.expiresAt.getTime() > Date.now(), 'the token is already expired');
      await attachJson(`${who} token (no secret)`, { project: t.projectId, user: t.userId, expires: t.expiresAt, services: t.catalog.map((s) => s.type).sort() });
      assert.ok(t.catalog.some((s) => s.type === 'identity'), 'the catalog has no identity service');
    });
  }
});
