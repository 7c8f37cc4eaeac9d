// GET /limits and availability zones: generous quotas (the lab has no real
// capacity limit to report) with usage counted from the store.
import type { Cloud } from '../cloud.ts';
import { atLeast } from '../microversion.ts';
import { json, type Router } from '../router.ts';

export function registerLimits(router: Router, cloud: Cloud): void {
  router.add('GET', '/v2.1/limits', (ctx) => {
    const project = ctx.identity.isAdmin && ctx.query.get('tenant_id') ? ctx.query.get('tenant_id')! : ctx.identity.projectId;
    const mine = cloud.store.state.servers.filter((s) => s.projectId === project);
    const absolute: Record<string, number> = {
      maxServerMeta: 128,
      maxTotalInstances: 1000,
      maxTotalCores: 10000,
      maxTotalRAMSize: 10_240_000,
      maxTotalKeypairs: 1000,
      maxServerGroups: 100,
      maxServerGroupMembers: 100,
      totalInstancesUsed: mine.length,
      totalCoresUsed: mine.reduce((n, s) => n + s.flavor.vcpus, 0),
      totalRAMUsed: mine.reduce((n, s) => n + s.flavor.ram, 0),
      totalServerGroupsUsed: cloud.store.state.serverGroups.filter((g) => g.projectId === project).length,
    };
    if (!atLeast(ctx.microversion, '2.36')) Object.assign(absolute, { maxSecurityGroups: 1000, maxSecurityGroupRules: 10000, maxTotalFloatingIps: 0, totalSecurityGroupsUsed: 0, totalFloatingIpsUsed: 0 });
    if (!atLeast(ctx.microversion, '2.39')) absolute.maxImageMeta = 128;
    if (!atLeast(ctx.microversion, '2.57')) Object.assign(absolute, { maxPersonality: 5, maxPersonalitySize: 10240 });
    return json(200, { limits: { rate: [], absolute } });
  });
  const zones = (detail: boolean) => () =>
    json(200, {
      availabilityZoneInfo: [
        { zoneName: 'nova', zoneState: { available: true }, hosts: detail ? { [cloud.host]: { 'nova-compute': { available: true, active: true, updated_at: null } } } : null },
      ],
    });
  router.add('GET', '/v2.1/os-availability-zone', zones(false));
  router.add('GET', '/v2.1/os-availability-zone/detail', zones(true));
}
