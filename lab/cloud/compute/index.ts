// The Compute API v2.1 router.
import type { Cloud } from '../cloud.ts';
import { Router } from '../router.ts';
import { registerComputeDiscovery } from './discovery.ts';
import { registerFlavors } from './flavors.ts';
import { registerInterfaces } from './interfaces.ts';
import { registerKeypairs } from './keypairs.ts';
import { registerLimits } from './limits.ts';
import { registerServerActions } from './server-actions.ts';
import { registerServerGroups } from './server-groups.ts';
import { registerServerMetadata } from './server-metadata.ts';
import { registerServers } from './servers.ts';

export function computeRouter(cloud: Cloud): Router {
  const router = new Router();
  registerComputeDiscovery(router);
  registerServers(router, cloud);
  registerServerActions(router, cloud);
  registerServerMetadata(router, cloud);
  registerInterfaces(router, cloud);
  registerFlavors(router, cloud);
  registerKeypairs(router, cloud);
  registerServerGroups(router, cloud);
  registerLimits(router, cloud);
  return router;
}

const COLLECTIONS = new Set(['servers', 'flavors', 'os-keypairs', 'os-server-groups', 'limits', 'os-availability-zone', 'images', 'extensions']);

/**
 * Old catalogs register compute as …/v2.1/%(tenant_id)s: drop a project id
 * segment after /v2.1 so both URL styles reach the same routes.
 */
export function computeRewrite(path: string): string {
  const m = /^\/v2\.1\/([^/]+)(\/.*)?$/.exec(path);
  if (m && !COLLECTIONS.has(m[1]!) && /^[0-9a-f-]{32,36}$/i.test(m[1]!)) return `/v2.1${m[2] ?? ''}`;
  return path.replace(/\/+$/, '') || '/';
}
