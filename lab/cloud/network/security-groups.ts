// Neutron security groups and rules. Like Neutron, every project gets a
// `default` group on first use (ingress from itself, all egress), a new group
// starts with the two egress rules, and rules validate protocol, port ranges
// and remotes; protocols are kept as given (e.g. "vrrp" or "112").
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict } from '../errors.ts';
import { envelope, optInt, optString, type Obj } from '../input.ts';
import type { CloudState, NeutronResource } from '../model.ts';
import { empty, json, type Router } from '../router.ts';
import { intToIp, parseCidr } from './ipam.ts';
import { listBody } from './neutron-list.ts';
import { findVisible, ownerOf, standard, touch } from './resource.ts';

const NAMED: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, egp: 8, udp: 17, gre: 47, esp: 50, ah: 51, ipv6_icmp: 58, 'ipv6-icmp': 58, icmpv6: 58, ospf: 89, pim: 103, vrrp: 112, sctp: 132, udplite: 136, dccp: 33, ipip: 4, ipv6_encap: 41, ipv6_frag: 44, ipv6_nonxt: 59, ipv6_opts: 60, ipv6_route: 43, rsvp: 46 };
const PORTED = new Set([6, 17, 33, 132, 136]);
const ICMP = new Set([1, 58]);

export function registerSecurityGroups(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  const withRules = (s: CloudState, g: NeutronResource) => ({ ...g, security_group_rules: s.securityGroupRules.filter((r) => r.security_group_id === g.id) });

  router.add('GET', '/v2.0/security-groups', (ctx) => {
    const s = ensureDefaultPersisted(cloud, ctx.identity.projectId);
    const items = s.securityGroups.filter((g) => ctx.identity.isAdmin || g.project_id === ctx.identity.projectId).map((g) => withRules(s, g));
    return json(200, listBody('security_groups', items, ctx.query, ctx.baseUrl));
  });
  router.add('GET', '/v2.0/security-groups/:id', (ctx) => {
    const s = ensureDefaultPersisted(cloud, ctx.identity.projectId);
    return json(200, { security_group: withRules(s, findVisible(s, 'securityGroups', ctx.params.id!, ctx.identity)) });
  });
  router.add('POST', '/v2.0/security-groups', (ctx) => {
    const body = envelope(ctx.body, 'security_group');
    const g = store.mutate((s) => {
      const project = ownerOf(body, ctx.identity, 'security_group');
      ensureDefaultSecurityGroup(s, project);
      const name = optString(body, 'name') ?? '';
      if (name === 'default') throw conflict('Default security group already exists.', 'SecurityGroupDefaultAlreadyExists');
      const group = newGroup(s, project, body, name);
      return withRules(s, group);
    });
    return json(201, { security_group: g });
  });
  router.add('PUT', '/v2.0/security-groups/:id', (ctx) => {
    const body = envelope(ctx.body, 'security_group');
    const g = store.mutate((s) => {
      const group = findVisible(s, 'securityGroups', ctx.params.id!, ctx.identity);
      if ('name' in body) {
        if (group.name === 'default' && body.name !== 'default') throw conflict('Updating default security group not allowed.', 'SecurityGroupCannotUpdateDefault');
        group.name = optString(body, 'name') ?? '';
      }
      if ('description' in body) group.description = optString(body, 'description') ?? '';
      touch(group);
      return withRules(s, group);
    });
    return json(200, { security_group: g });
  });
  router.add('DELETE', '/v2.0/security-groups/:id', (ctx) => {
    store.mutate((s) => {
      const g = findVisible(s, 'securityGroups', ctx.params.id!, ctx.identity);
      if (g.name === 'default' && !ctx.identity.isAdmin) throw conflict('Insufficient rights for removing default security group.', 'SecurityGroupCannotRemoveDefault');
      if (s.ports.some((p) => (p.security_groups as string[]).includes(g.id))) throw conflict(`Security Group ${g.id} in use.`, 'SecurityGroupInUse');
      s.securityGroupRules = s.securityGroupRules.filter((r) => r.security_group_id !== g.id && r.remote_group_id !== g.id);
      s.securityGroups = s.securityGroups.filter((x) => x.id !== g.id);
    });
    return empty();
  });

  router.add('GET', '/v2.0/security-group-rules', (ctx) => {
    const items = store.state.securityGroupRules.filter((r) => ctx.identity.isAdmin || r.project_id === ctx.identity.projectId);
    return json(200, listBody('security_group_rules', items, ctx.query, ctx.baseUrl));
  });
  router.add('GET', '/v2.0/security-group-rules/:id', (ctx) => json(200, { security_group_rule: findVisible(store.state, 'securityGroupRules', ctx.params.id!, ctx.identity) }));
  router.add('POST', '/v2.0/security-group-rules', (ctx) => {
    const body = envelope(ctx.body, 'security_group_rule');
    return json(201, { security_group_rule: store.mutate((s) => createRule(s, body, ctx.identity)) });
  });
  router.add('DELETE', '/v2.0/security-group-rules/:id', (ctx) => {
    store.mutate((s) => {
      const r = findVisible(s, 'securityGroupRules', ctx.params.id!, ctx.identity);
      s.securityGroupRules = s.securityGroupRules.filter((x) => x.id !== r.id);
    });
    return empty();
  });
}

/** Neutron creates a project's `default` group on its first network call. */
export function ensureDefaultSecurityGroup(s: CloudState, project: string): NeutronResource {
  const existing = s.securityGroups.find((g) => g.project_id === project && g.name === 'default');
  if (existing) return existing;
  const g = newGroup(s, project, { description: 'Default security group' }, 'default');
  for (const ethertype of ['IPv4', 'IPv6']) s.securityGroupRules.push(rule(project, g.id, { direction: 'ingress', ethertype, remote_group_id: g.id }));
  return g;
}

function ensureDefaultPersisted(cloud: Cloud, project: string): CloudState {
  const s = cloud.store.state;
  if (!s.securityGroups.some((g) => g.project_id === project && g.name === 'default')) cloud.store.mutate((st) => ensureDefaultSecurityGroup(st, project));
  return cloud.store.state;
}

function newGroup(s: CloudState, project: string, body: Obj, name: string): NeutronResource {
  const g: NeutronResource = { ...standard(project, body), name, stateful: true, shared: false };
  s.securityGroups.push(g);
  for (const ethertype of ['IPv4', 'IPv6']) s.securityGroupRules.push(rule(project, g.id, { direction: 'egress', ethertype }));
  return g;
}

function rule(project: string, groupId: string, r: Partial<Record<string, unknown>>): NeutronResource {
  return {
    ...standard(project, {}),
    security_group_id: groupId,
    direction: r.direction,
    ethertype: r.ethertype ?? 'IPv4',
    protocol: r.protocol ?? null,
    port_range_min: r.port_range_min ?? null,
    port_range_max: r.port_range_max ?? null,
    remote_ip_prefix: r.remote_ip_prefix ?? null,
    remote_group_id: r.remote_group_id ?? null,
    remote_address_group_id: null,
    normalized_cidr: r.remote_ip_prefix ?? null,
    description: r.description ?? '',
  };
}

export function createRule(s: CloudState, body: Obj, who: Identity): NeutronResource {
  const groupId = optString(body, 'security_group_id');
  if (!groupId) throw badRequest("Failed to parse request. Required attribute 'security_group_id' not specified");
  const group = findVisible(s, 'securityGroups', groupId, who);
  const direction = optString(body, 'direction');
  if (direction !== 'ingress' && direction !== 'egress') {
    throw badRequest(`Invalid input for direction. Reason: ${String(direction)} is not in valid_values.`, 'InvalidInput');
  }
  const ethertype = optString(body, 'ethertype') ?? 'IPv4';
  if (ethertype !== 'IPv4' && ethertype !== 'IPv6') throw badRequest(`Invalid input for ethertype. Reason: ${ethertype} is not in valid_values.`, 'InvalidInput');
  const protocol = normalizeProtocol(body.protocol);
  const number = protocol === null ? null : (NAMED[protocol.toLowerCase()] ?? Number(protocol));
  let min = optInt(body, 'port_range_min') ?? null;
  let max = optInt(body, 'port_range_max') ?? null;
  if (min !== null || max !== null) {
    if (number === null || !(PORTED.has(number) || ICMP.has(number))) {
      throw badRequest(`Invalid protocol ${String(protocol)} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP protocols.`, 'SecurityGroupInvalidProtocolForPortRange');
    }
    if (PORTED.has(number)) {
      if (min === null) min = max;
      if (max === null) max = min;
      if (min! < 1 || max! > 65535) throw badRequest(`Invalid value for port ${min! < 1 ? min : max}.`, 'SecurityGroupInvalidPortValue');
      if (min! > max!) throw badRequest('For TCP/UDP protocols, port_range_min must be <= port_range_max', 'SecurityGroupInvalidPortRange');
    } else if ((min !== null && (min < 0 || min > 255)) || (max !== null && (max < 0 || max > 255))) {
      throw badRequest(`Invalid value for ICMP ${min !== null && (min < 0 || min > 255) ? 'type' : 'code'}.`, 'SecurityGroupInvalidIcmpValue');
    }
  }
  let prefix = optString(body, 'remote_ip_prefix') ?? null;
  const remoteGroup = optString(body, 'remote_group_id') ?? null;
  if (prefix !== null && remoteGroup !== null) throw badRequest('Only remote_ip_prefix or remote_group_id may be provided.', 'SecurityGroupRemoteGroupAndRemoteIpPrefix');
  if (prefix !== null) {
    if (ethertype === 'IPv6') throw badRequest('Invalid input: the lab cloud supports IPv4 remote prefixes only.', 'InvalidInput');
    const c = parseCidr(prefix.includes('/') ? prefix : `${prefix}/32`);
    if (!c) throw badRequest(`Invalid input for remote_ip_prefix. Reason: '${prefix}' is not a valid IP subnet.`, 'InvalidInput');
    prefix = `${intToIp(c.first)}/${c.prefix}`;
  }
  if (remoteGroup !== null) findVisible(s, 'securityGroups', remoteGroup, who);
  const project = group.project_id;
  const r = rule(project, group.id, {
    direction,
    ethertype,
    protocol,
    port_range_min: min,
    port_range_max: max,
    remote_ip_prefix: prefix,
    remote_group_id: remoteGroup,
    description: optString(body, 'description') ?? '',
  });
  const key = (x: NeutronResource) => JSON.stringify([x.security_group_id, x.direction, x.ethertype, x.protocol, x.port_range_min, x.port_range_max, x.remote_ip_prefix, x.remote_group_id]);
  const dup = s.securityGroupRules.find((x) => key(x) === key(r));
  if (dup) throw conflict(`Security group rule already exists. Rule id is ${dup.id}.`, 'SecurityGroupRuleExists');
  s.securityGroupRules.push(r);
  touch(group);
  return r;
}

function normalizeProtocol(p: unknown): string | null {
  if (p === undefined || p === null || p === '' || p === 'any' || p === 'ANY') return null;
  if (typeof p === 'number') p = String(p);
  if (typeof p !== 'string') throw badRequest(`Security group rule protocol ${JSON.stringify(p)} not supported.`, 'SecurityGroupRuleInvalidProtocol');
  if (/^\d+$/.test(p)) {
    if (Number(p) > 255) throw badRequest(`Security group rule protocol ${p} not supported. Only protocol values [None, ${Object.keys(NAMED).join(', ')}] and integer representations [0 to 255] are supported.`, 'SecurityGroupRuleInvalidProtocol');
    return p;
  }
  if (!(p.toLowerCase() in NAMED)) {
    throw badRequest(`Security group rule protocol ${p} not supported. Only protocol values [None, ${Object.keys(NAMED).join(', ')}] and integer representations [0 to 255] are supported.`, 'SecurityGroupRuleInvalidProtocol');
  }
  return p.toLowerCase();
}
