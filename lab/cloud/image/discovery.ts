// Glance version discovery: GET / answers 300 Multiple Choices with the v2.x
// list, as Glance does; keystoneauth and glanceclient accept it.
import { json, type Router } from '../router.ts';

const VERSIONS = ['2.16', '2.15', '2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

export function registerImageDiscovery(router: Router): void {
  const body = (baseUrl: string) => ({
    versions: VERSIONS.map((v, i) => ({ id: `v${v}`, status: i === 0 ? 'CURRENT' : 'SUPPORTED', links: [{ rel: 'self', href: `${baseUrl}/v2/` }] })),
  });
  router.add('GET', '/', (ctx) => json(300, body(ctx.baseUrl)), { public: true });
  router.add('GET', '/versions', (ctx) => json(200, body(ctx.baseUrl)), { public: true });
}
