// The OpenStack half of `trove-ha provision`: networks, subnets, the security
// group, ports and servers of the documents' Trove management topology, in
// dependency order, each through its ensure-helper.
import type { Environment } from '../env/schema.ts';
import type { KeystoneSession } from '../openstack/keystone.ts';
import { ComputeClient, ImageClient } from '../openstack/compute.ts';
import { NetworkClient } from '../openstack/network.ts';
import type { EnsureContext } from './change.ts';
import { desiredTopology, provisionOf } from './desired.ts';
import { ensureNetwork, ensureSubnet } from './ensure-network.ts';
import { ensurePort } from './ensure-port.ts';
import { ensureSecurityGroup } from './ensure-security-group.ts';
import { ensureServer, missingRefs, resolveServerRefs } from './ensure-server.ts';

export interface CloudClients {
  neutron: NetworkClient;
  nova: ComputeClient;
  glance: ImageClient;
}

export function cloudClients(admin: KeystoneSession): CloudClients {
  return { neutron: new NetworkClient(admin), nova: new ComputeClient(admin), glance: new ImageClient(admin) };
}

export async function provisionCloud(ctx: EnsureContext, env: Environment, c: CloudClients): Promise<void> {
  const want = desiredTopology(env);
  const p = provisionOf(env);
  const networkIds = new Map<string, string>();
  // Networks and subnets are independent of each other: one at a time keeps the report in plan order.
  for (const net of [want.adminNetwork, ...want.managementNetworks]) {
    const id = await ensureNetwork(ctx, c.neutron, net);
    networkIds.set(net.name, id);
    await ensureSubnet(ctx, c.neutron, id, net.name, net.subnet);
  }
  const sgId = await ensureSecurityGroup(ctx, c.neutron, want.securityGroup.name, want.securityGroup.rules);
  const refs = await resolveServerRefs(c.nova, c.glance, p.servers);
  for (const problem of missingRefs(refs, p.servers)) ctx.record({ action: 'drift', object: 'servers', detail: problem });
  for (const server of want.servers) {
    const portIds: string[] = [];
    for (const port of server.ports) portIds.push((await ensurePort(ctx, c.neutron, port, networkIds.get(port.network)!, sgId)).id);
    await ensureServer(ctx, c.nova, c.neutron, server, portIds, refs, p.serverActiveMs);
  }
}
