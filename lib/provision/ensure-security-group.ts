// Ensure-helper for the HAProxy nodes' security group: the group by name and
// the rules the documents ask for (VRRP between members, TCP for Swift and
// RabbitMQ). Rules are added when missing; rules the site has beyond those are
// left alone (an operator may have opened more, as the documents do for puppet).
import type { NetworkClient, SecurityGroupRule } from '../openstack/network.ts';
import { isPlanned, planned, type EnsureContext } from './change.ts';
import type { DesiredRule } from './desired.ts';

const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, vrrp: 112 };

/** Neutron keeps a protocol as given: "vrrp" and "112" are the same rule. */
export function protocolNumber(p: string | null): number | null {
  if (p === null || p === '' || p === 'any') return null;
  return /^\d+$/.test(p) ? Number(p) : (PROTOCOL_NUMBERS[p.toLowerCase()] ?? -1);
}

/** True when an existing ingress IPv4 rule lets through at least what `want` asks for. */
export function ruleCovers(r: SecurityGroupRule, want: DesiredRule, groupId: string): boolean {
  if (r.direction !== 'ingress' || r.ethertype !== 'IPv4') return false;
  const proto = protocolNumber(r.protocol);
  if (proto !== null && proto !== PROTOCOL_NUMBERS[want.protocol]) return false;
  if (want.portMin !== null && proto !== null) {
    if (r.port_range_min !== null && r.port_range_min > want.portMin) return false;
    if (r.port_range_max !== null && r.port_range_max < want.portMax!) return false;
  }
  // Open to anyone covers everything; a remote group covers only that group.
  const open = r.remote_group_id === null && (r.remote_ip_prefix === null || r.remote_ip_prefix === '0.0.0.0/0');
  if (open) return true;
  return want.remoteSelf && r.remote_group_id === groupId;
}

export function describeRule(want: DesiredRule): string {
  const ports = want.portMin === null ? '' : want.portMin === want.portMax ? ` ${want.portMin}` : ` ${want.portMin}-${want.portMax}`;
  return `ingress ${want.protocol}${ports} from ${want.remoteSelf ? 'the group itself' : 'anywhere'}`;
}

export async function ensureSecurityGroup(ctx: EnsureContext, neutron: NetworkClient, name: string, rules: DesiredRule[]): Promise<string> {
  const what = `security group ${name}`;
  const found = (await neutron.listSecurityGroups({ name })).filter((g) => g.name === name);
  if (found.length > 1) ctx.record({ action: 'drift', object: what, detail: `${found.length} groups have this name (${found.map((g) => g.id).join(', ')}); using the first` });
  let group = found[0];
  let id: string;
  if (!group) {
    if (ctx.dryRun) {
      id = planned(what);
      ctx.record({ action: 'create', object: what });
    } else {
      group = await neutron.createSecurityGroup({ name, description: 'Trove mgmt HAProxy nodes (trove-ha provision)' });
      id = group.id;
      ctx.record({ action: 'create', object: what, detail: `id ${id}` });
    }
  } else {
    id = group.id;
  }
  const existing = group?.security_group_rules ?? [];
  const missing = rules.filter((w) => !existing.some((r) => ruleCovers(r, w, id)));
  for (const w of missing) {
    if (!ctx.dryRun && !isPlanned(id)) {
      await neutron.createSecurityGroupRule({
        security_group_id: id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: w.protocol,
        ...(w.portMin !== null ? { port_range_min: w.portMin, port_range_max: w.portMax } : {}),
        ...(w.remoteSelf ? { remote_group_id: id } : {}),
      });
    }
    ctx.record({ action: 'create', object: `${what} rule`, detail: describeRule(w) });
  }
  if (found.length && !missing.length) ctx.record({ action: 'unchanged', object: what, detail: `${rules.length} rules present` });
  return id;
}
