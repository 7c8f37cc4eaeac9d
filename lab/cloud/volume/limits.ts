// GET /v3/{project_id}/limits (OSC `limits show` asks Cinder too): generous
// quotas, usage counted from the store.
import type { Cloud } from '../cloud.ts';
import { json, type Router } from '../router.ts';

export function registerVolumeLimits(router: Router, cloud: Cloud): void {
  router.add('GET', '/v3/:project/limits', (ctx) => {
    const mine = cloud.store.state.volumes.filter((v) => v.projectId === ctx.params.project);
    return json(200, {
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: 1000,
          maxTotalVolumeGigabytes: 10000,
          maxTotalSnapshots: 1000,
          maxTotalBackups: 1000,
          maxTotalBackupGigabytes: 10000,
          totalVolumesUsed: mine.length,
          totalGigabytesUsed: mine.reduce((n, v) => n + v.size, 0),
          totalSnapshotsUsed: 0,
          totalBackupsUsed: 0,
          totalBackupGigabytesUsed: 0,
        },
      },
    });
  });
}
