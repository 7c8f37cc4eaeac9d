// Ensure-helper for one HAProxy node port: by name on its network, with the
// node's security group, the fixed address the environment pins (if any) and
// the VIP of its network in allowed-address-pairs (what lets keepalived move
// the VIP to this port). Pairs the port has beyond those are kept.
import type { NetworkClient, Port } from '../openstack/network.ts';
import { isPlanned, planned, type EnsureContext } from './change.ts';
import type { DesiredPort } from './desired.ts';

export async function ensurePort(ctx: EnsureContext, neutron: NetworkClient, want: DesiredPort, networkId: string, securityGroupId: string): Promise<{ id: string; port?: Port }> {
  const what = `port ${want.name}`;
  const found = isPlanned(networkId) ? [] : (await neutron.listPorts({ name: want.name, network_id: networkId })).filter((p) => p.name === want.name);
  if (found.length > 1) ctx.record({ action: 'drift', object: what, detail: `${found.length} ports have this name on ${want.network}; using the first` });
  const have = found[0];
  if (!have) {
    const detail = `on ${want.network}${want.fixedIp ? `, address ${want.fixedIp}` : ''}${want.allowedAddresses.length ? `, allowed ${want.allowedAddresses.join(',')}` : ''}`;
    if (ctx.dryRun || isPlanned(securityGroupId)) {
      ctx.record({ action: 'create', object: what, detail });
      return { id: planned(what) };
    }
    const port = await neutron.createPort({
      name: want.name,
      network_id: networkId,
      security_groups: [securityGroupId],
      ...(want.fixedIp ? { fixed_ips: [{ ip_address: want.fixedIp }] } : {}),
      allowed_address_pairs: want.allowedAddresses.map((ip_address) => ({ ip_address })),
    });
    ctx.record({ action: 'create', object: what, detail: `${detail}, id ${port.id}` });
    return { id: port.id, port };
  }
  const update: Record<string, unknown> = {};
  const diffs: string[] = [];
  if (!have.security_groups.includes(securityGroupId)) {
    update.security_groups = [...have.security_groups, securityGroupId];
    diffs.push(`security group + ${securityGroupId}`);
  }
  const pairs = have.allowed_address_pairs.map((p) => p.ip_address);
  const missingPairs = want.allowedAddresses.filter((ip) => !pairs.includes(ip) && !pairs.includes(`${ip}/32`));
  if (missingPairs.length) {
    update.allowed_address_pairs = [...have.allowed_address_pairs, ...missingPairs.map((ip_address) => ({ ip_address }))];
    diffs.push(`allowed-address-pairs + ${missingPairs.join(',')}`);
  }
  if (want.fixedIp && !have.fixed_ips.some((f) => f.ip_address === want.fixedIp)) {
    update.fixed_ips = [{ ip_address: want.fixedIp }];
    diffs.push(`address ${have.fixed_ips.map((f) => f.ip_address).join(',') || 'none'} -> ${want.fixedIp}`);
  }
  if (!diffs.length) {
    ctx.record({ action: 'unchanged', object: what });
    return { id: have.id, port: have };
  }
  const port = ctx.dryRun ? have : await neutron.updatePort(have.id, update);
  ctx.record({ action: 'update', object: what, detail: diffs.join('; ') });
  return { id: have.id, port };
}
