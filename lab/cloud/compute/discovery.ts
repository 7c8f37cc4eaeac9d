// Compute version discovery: keystoneauth/openstacksdk read GET / and
// GET /v2.1 to learn the microversion range before negotiating.
import { NOVA_MAX, NOVA_MIN } from '../microversion.ts';
import { json, type Router } from '../router.ts';

export function v21(baseUrl: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: NOVA_MAX,
    min_version: NOVA_MIN,
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${baseUrl}/v2.1/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

export function registerComputeDiscovery(router: Router): void {
  router.add(
    'GET',
    '/',
    (ctx) =>
      json(200, {
        versions: [
          { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${ctx.baseUrl}/v2/` }] },
          { ...v21(ctx.baseUrl), links: [{ rel: 'self', href: `${ctx.baseUrl}/v2.1/` }] },
        ],
      }),
    { public: true },
  );
  router.add('GET', '/v2.1', (ctx) => json(200, { version: v21(ctx.baseUrl) }), { public: true });
}
