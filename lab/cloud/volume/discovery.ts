// Block Storage version discovery (GET / → 300, GET /v3/ → the v3.0 document).
import { CINDER_MAX, CINDER_MIN } from '../microversion.ts';
import { json, type Router } from '../router.ts';

export function registerVolumeDiscovery(router: Router): void {
  const v3 = (baseUrl: string) => ({
    id: 'v3.0',
    status: 'CURRENT',
    version: CINDER_MAX,
    min_version: CINDER_MIN,
    updated: '2023-01-01T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${baseUrl}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  });
  router.add('GET', '/', (ctx) => json(300, { versions: [v3(ctx.baseUrl)] }), { public: true });
  router.add('GET', '/v3', (ctx) => json(200, { versions: [v3(ctx.baseUrl)] }), { public: true });
}
