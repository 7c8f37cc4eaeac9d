// Neutron ports: fixed IPs allocated from the subnets' pools (or the one asked
// for), fa:16:3e MACs, device binding, security groups (the project default
// when none given), allowed-address-pairs (the VRRP VIPs of the documents).
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { macAddress } from '../ids.ts';
import { envelope, isObj, optArray, optBool, optString, type Obj } from '../input.ts';
import type { CloudState, NeutronResource } from '../model.ts';
import { empty, json, type Router } from '../router.ts';
import { checkRequested, firstFree, ipToInt, parseCidr, type Pool } from './ipam.ts';
import { listBody } from './neutron-list.ts';
import { findVisible, ownerOf, standard, touch, visibleNetwork } from './resource.ts';
import { ensureDefaultSecurityGroup } from './security-groups.ts';

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export function registerPorts(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('GET', '/v2.0/ports', (ctx) => {
    const items = store.state.ports.filter((p) => ctx.identity.isAdmin || p.project_id === ctx.identity.projectId);
    return json(200, listBody('ports', items, ctx.query, ctx.baseUrl));
  });
  router.add('GET', '/v2.0/ports/:id', (ctx) => json(200, { port: findVisible(store.state, 'ports', ctx.params.id!, ctx.identity) }));
  router.add('POST', '/v2.0/ports', (ctx) => {
    const body = envelope(ctx.body, 'port');
    return json(201, { port: store.mutate((s) => createPort(s, body, ctx.identity)) });
  });
  router.add('PUT', '/v2.0/ports/:id', (ctx) => {
    const body = envelope(ctx.body, 'port');
    return json(200, { port: store.mutate((s) => updatePort(s, ctx.params.id!, body, ctx.identity)) });
  });
  router.add('DELETE', '/v2.0/ports/:id', (ctx) => {
    store.mutate((s) => {
      const p = findVisible(s, 'ports', ctx.params.id!, ctx.identity);
      deletePort(s, p.id);
    });
    return empty();
  });
}

export function createPort(s: CloudState, body: Obj, who: Identity): NeutronResource {
  const networkId = optString(body, 'network_id');
  if (!networkId) throw badRequest("Failed to parse request. Required attribute 'network_id' not specified");
  const net = visibleNetwork(s, networkId, who);
  const project = ownerOf(body, who, 'port');
  if (net.project_id !== project && net.shared !== true && !who.isAdmin) {
    throw forbidden('(rule:create_port and rule:create_port:network_id) is disallowed by policy', 'PolicyNotAuthorized');
  }
  const mac = optString(body, 'mac_address') ?? uniqueMac(s, net.id);
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw badRequest(`Invalid input for mac_address. Reason: '${mac}' is not a valid MAC address.`, 'InvalidInput');
  if (s.ports.some((p) => p.network_id === net.id && p.mac_address === mac.toLowerCase())) {
    throw conflict(`Unable to complete operation for network ${net.id}. The mac address ${mac} is in use.`, 'MacAddressInUse');
  }
  const deviceOwner = optString(body, 'device_owner') ?? '';
  const portSecurity = optBool(body, 'port_security_enabled') ?? net.port_security_enabled !== false;
  let groups = optArray(body, 'security_groups') as string[] | undefined;
  if (groups === undefined) groups = portSecurity && !deviceOwner.startsWith('network:') ? [ensureDefaultSecurityGroup(s, project).id] : [];
  for (const g of groups) findVisible(s, 'securityGroups', g, who);
  if (groups.length && !portSecurity) throw conflict('Port has security group associated. Cannot disable port security or IP address until security group is removed.', 'PortSecurityAndIPRequiredForSecurityGroups');
  const pairs = parsePairs(body, mac.toLowerCase());
  if (pairs?.length && !portSecurity) throw conflict('Port Security must be enabled in order to have allowed address pairs on a port.', 'AddressPairAndPortSecurityRequired');
  const port: NeutronResource = {
    ...standard(project, body),
    name: optString(body, 'name') ?? '',
    network_id: net.id,
    admin_state_up: optBool(body, 'admin_state_up') ?? true,
    mac_address: mac.toLowerCase(),
    fixed_ips: [],
    device_id: optString(body, 'device_id') ?? '',
    device_owner: deviceOwner,
    status: 'DOWN',
    security_groups: groups,
    allowed_address_pairs: pairs ?? [],
    port_security_enabled: portSecurity,
    extra_dhcp_opts: [],
    ip_allocation: 'immediate',
    'binding:host_id': optString(body, 'binding:host_id') ?? '',
    'binding:vif_type': 'unbound',
    'binding:vnic_type': optString(body, 'binding:vnic_type') ?? 'normal',
    'binding:profile': {},
    'binding:vif_details': {},
    dns_assignment: [],
    dns_name: '',
    qos_policy_id: null,
    qos_network_policy_id: null,
    propagate_uplink_status: false,
  };
  port.fixed_ips = allocate(s, net, body.fixed_ips, port.id);
  s.ports.push(port);
  return port;
}

function updatePort(s: CloudState, id: string, body: Obj, who: Identity): NeutronResource {
  const p = findVisible(s, 'ports', id, who);
  for (const k of ['name', 'description', 'device_id', 'device_owner', 'binding:host_id']) if (k in body) p[k] = optString(body, k) ?? '';
  if ('admin_state_up' in body) p.admin_state_up = optBool(body, 'admin_state_up') ?? true;
  if ('port_security_enabled' in body) p.port_security_enabled = optBool(body, 'port_security_enabled') ?? true;
  if ('security_groups' in body) {
    const groups = (optArray(body, 'security_groups') ?? []) as string[];
    for (const g of groups) findVisible(s, 'securityGroups', g, who);
    p.security_groups = groups;
  }
  if ('allowed_address_pairs' in body) p.allowed_address_pairs = parsePairs(body, String(p.mac_address)) ?? [];
  if (p.port_security_enabled === false && ((p.security_groups as string[]).length || (p.allowed_address_pairs as unknown[]).length)) {
    throw conflict('Port has security group associated. Cannot disable port security or IP address until security group is removed.', 'PortSecurityAndIPRequiredForSecurityGroups');
  }
  if ('fixed_ips' in body) {
    const net = s.networks.find((n) => n.id === p.network_id)!;
    const keep = p.fixed_ips;
    p.fixed_ips = [];
    try {
      p.fixed_ips = allocate(s, net, body.fixed_ips, p.id);
    } catch (e) {
      p.fixed_ips = keep;
      throw e;
    }
  }
  touch(p);
  return p;
}

export function deletePort(s: CloudState, id: string): void {
  s.ports = s.ports.filter((x) => x.id !== id);
  for (const server of s.servers) server.portIds = server.portIds.filter((x) => x !== id);
}

function uniqueMac(s: CloudState, networkId: string): string {
  for (;;) {
    const mac = macAddress();
    if (!s.ports.some((p) => p.network_id === networkId && p.mac_address === mac)) return mac;
  }
}

function parsePairs(body: Obj, mac: string): { ip_address: string; mac_address: string }[] | undefined {
  const list = optArray(body, 'allowed_address_pairs');
  if (!list) return undefined;
  const seen = new Set<string>();
  return list.map((p) => {
    if (!isObj(p) || typeof p.ip_address !== 'string') throw badRequest('Allowed address pairs must contain ip_address', 'AllowedAddressPairsMissingIP');
    const ip = p.ip_address;
    if (!(ip.includes('/') ? parseCidr(ip) : ipToInt(ip) !== undefined)) {
      throw badRequest(`Invalid input for allowed_address_pairs. Reason: '${ip}' is not a valid IP address.`, 'InvalidInput');
    }
    const pairMac = typeof p.mac_address === 'string' ? p.mac_address.toLowerCase() : mac;
    const key = `${ip}|${pairMac}`;
    if (seen.has(key)) throw badRequest(`Request contains duplicate address pair: mac_address ${pairMac} ip_address ${ip}.`, 'DuplicateAddressPairInRequest');
    seen.add(key);
    return { ip_address: ip, mac_address: pairMac };
  });
}

function usedIps(s: CloudState, subnetId: string, exceptPort: string): Set<string> {
  const used = new Set<string>();
  for (const p of s.ports) {
    if (p.id === exceptPort) continue;
    for (const f of p.fixed_ips as FixedIp[]) if (f.subnet_id === subnetId) used.add(f.ip_address);
  }
  return used;
}

/** Neutron IPAM: no fixed_ips → one address from the first IPv4 subnet with room. */
function allocate(s: CloudState, net: NeutronResource, raw: unknown, portId: string): FixedIp[] {
  const subnets = s.subnets.filter((x) => x.network_id === net.id);
  const out: FixedIp[] = [];
  const take = (sub: NeutronResource, ip?: string): FixedIp => {
    const cidr = parseCidr(String(sub.cidr))!;
    const used = usedIps(s, sub.id, portId);
    for (const o of out) used.add(o.ip_address);
    const gateway = sub.gateway_ip as string | null;
    if (ip !== undefined) return { subnet_id: sub.id, ip_address: checkRequested(cidr, ip, gateway, used, sub.id) };
    const free = firstFree(sub.allocation_pools as Pool[], used);
    if (!free) throw conflict(`No more IP addresses available on network ${net.id}.`, 'IpAddressGenerationFailure');
    return { subnet_id: sub.id, ip_address: free };
  };
  if (raw === undefined || raw === null) {
    if (!subnets.length) return [];
    let last: unknown;
    for (const sub of subnets) {
      try {
        return [take(sub)];
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '${JSON.stringify(raw)}'.`, 'InvalidInput');
  for (const f of raw) {
    if (!isObj(f)) throw badRequest(`Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '${JSON.stringify(f)}'.`, 'InvalidInput');
    const subnetId = optString(f, 'subnet_id');
    const ip = optString(f, 'ip_address');
    let sub: NeutronResource | undefined;
    if (subnetId) {
      sub = subnets.find((x) => x.id === subnetId);
      if (!sub) {
        throw badRequest(`Invalid input for operation: Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${subnetId}.`, 'InvalidInput');
      }
    } else if (ip) {
      const n = ipToInt(ip);
      sub = subnets.find((x) => n !== undefined && parseCidr(String(x.cidr))!.first <= n && n <= parseCidr(String(x.cidr))!.last);
      if (!sub) throw badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForNetwork');
    } else {
      throw badRequest('Invalid input for fixed_ips. Reason: Exactly one of subnet_id or ip_address is needed.', 'InvalidInput');
    }
    out.push(take(sub, ip));
  }
  return out;
}
