// The Image API v2 router.
import type { Cloud } from '../cloud.ts';
import { Router } from '../router.ts';
import { registerImageData } from './data.ts';
import { registerImageDiscovery } from './discovery.ts';
import { registerImages } from './images.ts';
import { registerImageSchemas } from './schemas.ts';

export function imageRouter(cloud: Cloud, keepData: boolean): Router {
  const router = new Router();
  registerImageDiscovery(router);
  registerImageSchemas(router);
  registerImages(router, cloud);
  registerImageData(router, cloud, keepData);
  return router;
}
