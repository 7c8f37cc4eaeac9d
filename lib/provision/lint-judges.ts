// The lint's judges: pure functions from what was read on a site (Neutron
// objects, parsed keepalived.conf of each HAProxy node) to findings, each
// naming the object at fault. The defects are the documents' own: several
// subnets on a trove-mgmt network (duplicate routes in the guests), a
// virtual_router_id used twice on one segment, two MASTERs for one
// vrrp_instance, a VIP missing from a port's allowed-address-pairs, and a
// security group that lets no VRRP or no service traffic through.
import { fail, pass, type Finding } from '../checks/finding.ts';
import type { Network, Port, SecurityGroup, Subnet } from '../openstack/network.ts';
import type { DesiredRule } from './desired.ts';
import { describeRule, ruleCovers } from './ensure-security-group.ts';
import { inCidr } from './ipv4.ts';
import type { ParsedKeepalived, ParsedVrrpInstance } from './parse-keepalived.ts';

export interface MgmtNetworkState {
  name: string;
  network?: Network;
  subnets: Subnet[];
}

export function judgeMgmtNetworks(states: MgmtNetworkState[]): Finding[] {
  return states.map((s) => {
    const subject = `network ${s.name}`;
    if (!s.network) return fail('lint.mgmt-network', subject, 'does not exist (trove-ha provision creates it)');
    if (s.subnets.length > 1) {
      return fail('lint.mgmt-network-subnets', subject, `has ${s.subnets.length} subnets (${s.subnets.map((x) => `${x.name || x.id} ${x.cidr}`).join(', ')}): guests get duplicate routes; keep one subnet per trove-mgmt network`);
    }
    if (s.subnets.length === 0) return fail('lint.mgmt-network-subnets', subject, 'has no subnet');
    return pass('lint.mgmt-network-subnets', subject, `one subnet ${s.subnets[0]!.cidr}`);
  });
}

export interface NodeKeepalived {
  node: string;
  config?: ParsedKeepalived;
  /** Why the config could not be read. */
  error?: string;
}

export interface SegmentHint {
  name: string;
  cidr: string;
}

/** The L2 segment an instance speaks VRRP on: the trove-mgmt network holding its VIP, else its interface name. */
export function segmentOf(inst: ParsedVrrpInstance, networks: SegmentHint[]): string {
  const vip = inst.vips[0]?.split('/')[0];
  const net = vip ? networks.find((n) => inCidr(vip, n.cidr)) : undefined;
  return net ? `network ${net.name}` : `interface ${inst.interface ?? '?'}`;
}

/**
 * Within one cluster of HAProxy nodes: every (segment, virtual_router_id)
 * belongs to one vrrp_instance; one instance uses one id on every node; at
 * most one node declares MASTER for an instance.
 */
export function judgeVrrp(cluster: NodeKeepalived[], networks: SegmentHint[]): Finding[] {
  const findings: Finding[] = [];
  const where = (node: string, i: ParsedVrrpInstance) => `${i.name}@${node}`;
  for (const n of cluster) {
    if (!n.config) findings.push(fail('lint.keepalived-config', `keepalived.conf on ${n.node}`, `cannot be read: ${n.error ?? 'unknown error'}`));
  }
  const all = cluster.flatMap((n) => (n.config?.instances ?? []).map((i) => ({ node: n.node, inst: i, segment: segmentOf(i, networks) })));
  const bySegmentId = new Map<string, typeof all>();
  for (const x of all) {
    const key = `${x.segment} virtual_router_id ${x.inst.virtualRouterId ?? '?'}`;
    bySegmentId.set(key, [...(bySegmentId.get(key) ?? []), x]);
  }
  for (const [key, xs] of bySegmentId) {
    const names = [...new Set(xs.map((x) => x.inst.name))];
    if (names.length > 1) {
      findings.push(fail('lint.vrrp-router-id', key, `used by ${names.length} vrrp_instances on one segment (${xs.map((x) => where(x.node, x.inst)).join(', ')}): they fight over one VRRP group; give each its own virtual_router_id`));
    } else {
      findings.push(pass('lint.vrrp-router-id', key, `only ${names[0]}`));
    }
  }
  const byName = new Map<string, typeof all>();
  for (const x of all) byName.set(x.inst.name, [...(byName.get(x.inst.name) ?? []), x]);
  for (const [name, xs] of byName) {
    const subject = `vrrp_instance ${name}`;
    const ids = [...new Set(xs.map((x) => x.inst.virtualRouterId))];
    if (ids.length > 1) {
      findings.push(fail('lint.vrrp-router-id', subject, `has different virtual_router_ids on its nodes (${xs.map((x) => `${x.node}: ${x.inst.virtualRouterId}`).join(', ')}): the nodes never see each other and each holds the VIP`));
    }
    const masters = xs.filter((x) => x.inst.state === 'MASTER').map((x) => x.node);
    if (masters.length > 1) findings.push(fail('lint.vrrp-master', subject, `declared MASTER on ${masters.length} nodes (${masters.join(', ')}); declare it on one and BACKUP on the others`));
    else findings.push(pass('lint.vrrp-master', subject, masters.length ? `MASTER on ${masters[0]}` : 'no node declares MASTER (priority decides)'));
  }
  return findings;
}

export interface ProxyPortState {
  node: string;
  network: string;
  vip: string;
  port?: Port;
  /** The security groups of that port, with their rules. */
  groups: SecurityGroup[];
}

const portName = (s: ProxyPortState) => `port ${s.port?.name || s.port?.id} of ${s.node} on ${s.network}`;

export function judgeProxyPorts(states: ProxyPortState[]): Finding[] {
  return states.map((s) => {
    if (!s.port) return fail('lint.proxy-port', `${s.node} on ${s.network}`, `has no port on ${s.network}: the VIP ${s.vip} cannot reach it`);
    const pairs = s.port.allowed_address_pairs.map((p) => p.ip_address);
    const has = pairs.some((ip) => ip === s.vip || ip === `${s.vip}/32` || (ip.includes('/') && inCidr(s.vip, ip)));
    return has
      ? pass('lint.allowed-address-pairs', portName(s), `allows VIP ${s.vip}`)
      : fail('lint.allowed-address-pairs', `${portName(s)} (${s.port.id})`, `VIP ${s.vip} is missing from allowed-address-pairs (has ${pairs.join(', ') || 'none'}): Neutron drops the VIP's traffic when this node holds it`);
  });
}

/** Every rule in `rules` must be let through by the port's groups together (port security on). */
export function judgeSecurityGroups(states: ProxyPortState[], rules: DesiredRule[]): Finding[] {
  const findings: Finding[] = [];
  for (const s of states) {
    if (!s.port || s.port.port_security_enabled === false) continue;
    const names = s.groups.map((g) => g.name || g.id).join(', ') || 'none';
    const subject = `security group ${names} on ${portName(s)}`;
    const missing = rules.filter((r) => !s.groups.some((g) => g.security_group_rules.some((x) => ruleCovers(x, r, g.id))));
    const vrrp = missing.filter((r) => r.protocol === 'vrrp');
    const tcp = missing.filter((r) => r.protocol !== 'vrrp');
    if (vrrp.length) findings.push(fail('lint.security-group-vrrp', subject, `lets through no ${vrrp.map(describeRule).join(', no ')}: keepalived on the nodes cannot hear each other and every node holds the VIP`));
    if (tcp.length) findings.push(fail('lint.security-group-ports', subject, `lets through no ${tcp.map(describeRule).join(', no ')}: guests cannot reach Swift/RabbitMQ through the VIP`));
    if (!missing.length) {
      const ports = rules.filter((r) => r.protocol === 'tcp').map((r) => (r.portMin === r.portMax ? `${r.portMin}` : `${r.portMin}-${r.portMax}`));
      findings.push(pass('lint.security-group', subject, `VRRP and TCP ${ports.join(', ')} allowed`));
    }
  }
  return findings;
}
