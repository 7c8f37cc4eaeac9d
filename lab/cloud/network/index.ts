// The Networking API v2.0 router.
import type { Cloud } from '../cloud.ts';
import { Router } from '../router.ts';
import { registerDiscovery } from './discovery.ts';
import { registerNetworks } from './networks.ts';
import { registerPorts } from './ports.ts';
import { registerSecurityGroups } from './security-groups.ts';
import { registerSubnets } from './subnets.ts';

export function networkRouter(cloud: Cloud): Router {
  const router = new Router();
  registerDiscovery(router);
  registerNetworks(router, cloud);
  registerSubnets(router, cloud);
  registerPorts(router, cloud);
  registerSecurityGroups(router, cloud);
  return router;
}

/** neutronclient and Neutron accept a trailing ".json" on resource paths. */
export function networkRewrite(path: string): string {
  return path.endsWith('.json') ? path.slice(0, -5) : path;
}
