// Ensure-helpers for a network and its one subnet: read by name, create what
// is missing, update what Neutron lets us update (shared, gateway, pools),
// report as drift what it does not (provider attributes, a CIDR, extra subnets).
import type { Network, NetworkClient, Subnet } from '../openstack/network.ts';
import { isPlanned, planned, type EnsureContext } from './change.ts';
import type { DesiredNetwork, DesiredSubnet } from './desired.ts';
import { normalizeCidr } from './ipv4.ts';

export async function ensureNetwork(ctx: EnsureContext, neutron: NetworkClient, want: DesiredNetwork): Promise<string> {
  const what = `network ${want.name}`;
  const found = await neutron.listNetworks({ name: want.name });
  if (found.length > 1) {
    ctx.record({ action: 'drift', object: what, detail: `${found.length} networks have this name (${found.map((n) => n.id).join(', ')}); using the first, delete the others` });
  }
  const have = found[0];
  if (!have) {
    const body: Record<string, unknown> = { name: want.name, shared: want.shared, admin_state_up: true };
    if (want.provider) {
      body['provider:network_type'] = want.provider.networkType;
      body['provider:physical_network'] = want.provider.physicalNetwork;
      if (want.provider.segmentationId !== undefined) body['provider:segmentation_id'] = want.provider.segmentationId;
    }
    const detail = describeNetwork(want);
    if (ctx.dryRun) {
      ctx.record({ action: 'create', object: what, detail });
      return planned(what);
    }
    const created = await neutron.createNetwork(body);
    ctx.record({ action: 'create', object: what, detail: `${detail}, id ${created.id}` });
    return created.id;
  }
  const drift = providerDrift(have, want);
  if (drift) ctx.record({ action: 'drift', object: what, detail: `${drift}; provider attributes cannot be changed in place: recreate the network` });
  if (have.shared !== want.shared) {
    if (!ctx.dryRun) await neutron.updateNetwork(have.id, { shared: want.shared });
    ctx.record({ action: 'update', object: what, detail: `shared ${have.shared} -> ${want.shared}` });
  } else if (!drift) {
    ctx.record({ action: 'unchanged', object: what });
  }
  return have.id;
}

export async function ensureSubnet(ctx: EnsureContext, neutron: NetworkClient, networkId: string, networkName: string, want: DesiredSubnet): Promise<string> {
  const what = `subnet ${want.name}`;
  const subnets = isPlanned(networkId) ? [] : await neutron.listSubnets({ network_id: networkId });
  const have = subnets.find((s) => s.name === want.name) ?? subnets.find((s) => normalizeCidr(s.cidr) === want.cidr);
  const others = subnets.filter((s) => s !== have);
  if (others.length) {
    // The documents' route defect: several subnets give the VMs duplicate routes. Deleting is the operator's call.
    ctx.record({ action: 'drift', object: `network ${networkName}`, detail: `has ${subnets.length} subnets; keep one per network (extra: ${others.map((s) => `${s.name || s.id} ${s.cidr}`).join(', ')})` });
  }
  if (!have) {
    const body = { name: want.name, network_id: networkId, ip_version: 4, cidr: want.cidr, gateway_ip: want.gatewayIp, enable_dhcp: true, ...(want.allocationPools.length ? { allocation_pools: want.allocationPools } : {}) };
    const detail = `${want.cidr}, gateway ${want.gatewayIp ?? 'none'}, pool ${want.allocationPools.map((p) => `${p.start}-${p.end}`).join(',') || 'default'}`;
    if (ctx.dryRun) {
      ctx.record({ action: 'create', object: what, detail });
      return planned(what);
    }
    const created = await neutron.createSubnet(body);
    ctx.record({ action: 'create', object: what, detail: `${detail}, id ${created.id}` });
    return created.id;
  }
  if (normalizeCidr(have.cidr) !== want.cidr) {
    ctx.record({ action: 'drift', object: what, detail: `CIDR is ${have.cidr}, the environment says ${want.cidr}; a subnet's CIDR cannot change: recreate it` });
    return have.id;
  }
  const update: Record<string, unknown> = {};
  const diffs: string[] = [];
  if (have.gateway_ip !== want.gatewayIp) {
    update.gateway_ip = want.gatewayIp;
    diffs.push(`gateway ${have.gateway_ip ?? 'none'} -> ${want.gatewayIp ?? 'none'}`);
  }
  if (want.allocationPools.length && !samePools(have, want)) {
    update.allocation_pools = want.allocationPools;
    diffs.push(`pools ${have.allocation_pools.map((p) => `${p.start}-${p.end}`).join(',')} -> ${want.allocationPools.map((p) => `${p.start}-${p.end}`).join(',')}`);
  }
  if (!diffs.length) {
    ctx.record({ action: 'unchanged', object: what });
    return have.id;
  }
  if (!ctx.dryRun) await neutron.updateSubnet(have.id, update);
  ctx.record({ action: 'update', object: what, detail: diffs.join('; ') });
  return have.id;
}

function samePools(have: Subnet, want: DesiredSubnet): boolean {
  const key = (ps: { start: string; end: string }[]) => ps.map((p) => `${p.start}-${p.end}`).sort().join(',');
  return key(have.allocation_pools) === key(want.allocationPools);
}

function describeNetwork(want: DesiredNetwork): string {
  const p = want.provider;
  return [want.shared ? 'shared' : 'not shared', p ? `${p.networkType} ${p.physicalNetwork}${p.segmentationId !== undefined ? `:${p.segmentationId}` : ''}` : 'default type'].join(', ');
}

function providerDrift(have: Network, want: DesiredNetwork): string | undefined {
  const p = want.provider;
  if (!p) return undefined;
  const diffs: string[] = [];
  if (have['provider:network_type'] !== undefined && have['provider:network_type'] !== p.networkType) diffs.push(`type ${have['provider:network_type']} (want ${p.networkType})`);
  if (have['provider:physical_network'] !== undefined && have['provider:physical_network'] !== p.physicalNetwork) diffs.push(`physical network ${have['provider:physical_network']} (want ${p.physicalNetwork})`);
  if (p.segmentationId !== undefined && have['provider:segmentation_id'] !== undefined && have['provider:segmentation_id'] !== p.segmentationId) {
    diffs.push(`segment ${have['provider:segmentation_id']} (want ${p.segmentationId})`);
  }
  return diffs.length ? diffs.join(', ') : undefined;
}
