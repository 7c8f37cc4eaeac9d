// The Block Storage API v3 router.
import type { Cloud } from '../cloud.ts';
import { Router } from '../router.ts';
import { registerVolumeDiscovery } from './discovery.ts';
import { registerVolumeLimits } from './limits.ts';
import { registerVolumes } from './volumes.ts';

export function volumeRouter(cloud: Cloud): Router {
  const router = new Router();
  registerVolumeDiscovery(router);
  registerVolumes(router, cloud);
  registerVolumeLimits(router, cloud);
  return router;
}
