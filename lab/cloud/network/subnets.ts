// Neutron subnets (IPv4): CIDR validation, overlap refusal on one network,
// gateway (default first host, null = none), allocation pools (default: the
// CIDR minus network, broadcast and gateway), DHCP flag, routes, DNS.
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { envelope, isObj, optArray, optBool, optInt, optString, type Obj } from '../input.ts';
import type { CloudState, NeutronResource } from '../model.ts';
import { empty, json, type Router } from '../router.ts';
import { contains, defaultGateway, defaultPools, ipToInt, overlaps, parseCidr, validateCidr, validatePools, type Cidr, type Pool } from './ipam.ts';
import { listBody } from './neutron-list.ts';
import { networkIsOpen, ownerOf, standard, touch, visibleNetwork, visibleSubnet } from './resource.ts';

export function registerSubnets(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('GET', '/v2.0/subnets', (ctx) => {
    const who = ctx.identity;
    const open = new Set(store.state.networks.filter(networkIsOpen).map((n) => n.id));
    const items = store.state.subnets.filter((x) => who.isAdmin || x.project_id === who.projectId || open.has(String(x.network_id)));
    return json(200, listBody('subnets', items, ctx.query, ctx.baseUrl));
  });
  router.add('GET', '/v2.0/subnets/:id', (ctx) => json(200, { subnet: visibleSubnet(store.state, ctx.params.id!, ctx.identity) }));
  router.add('POST', '/v2.0/subnets', (ctx) => {
    const body = envelope(ctx.body, 'subnet');
    return json(201, { subnet: store.mutate((s) => createSubnet(s, body, ctx.identity)) });
  });
  router.add('PUT', '/v2.0/subnets/:id', (ctx) => {
    const body = envelope(ctx.body, 'subnet');
    return json(200, { subnet: store.mutate((s) => updateSubnet(s, ctx.params.id!, body, ctx.identity)) });
  });
  router.add('DELETE', '/v2.0/subnets/:id', (ctx) => {
    store.mutate((s) => {
      const sub = visibleSubnet(s, ctx.params.id!, ctx.identity);
      if (sub.project_id !== ctx.identity.projectId && !ctx.identity.isAdmin) throw forbidden('(rule:delete_subnet) is disallowed by policy', 'PolicyNotAuthorized');
      const used = s.ports.some((p) => (p.fixed_ips as { subnet_id: string }[]).some((f) => f.subnet_id === sub.id));
      if (used) throw conflict(`Unable to complete operation on subnet ${sub.id}: One or more ports have an IP allocation from this subnet.`, 'SubnetInUse');
      s.subnets = s.subnets.filter((x) => x.id !== sub.id);
      const net = s.networks.find((n) => n.id === sub.network_id);
      if (net) net.subnets = (net.subnets as string[]).filter((x) => x !== sub.id);
    });
    return empty();
  });
}

export function createSubnet(s: CloudState, body: Obj, who: Identity): NeutronResource {
  const networkId = optString(body, 'network_id');
  if (!networkId) throw badRequest("Failed to parse request. Required attribute 'network_id' not specified", 'HTTPBadRequest');
  const net = visibleNetwork(s, networkId, who);
  const project = ownerOf(body, who, 'subnet');
  if (net.project_id !== project && !who.isAdmin && net.shared !== true) {
    throw forbidden('(rule:create_subnet and rule:create_subnet:network_id) is disallowed by policy', 'PolicyNotAuthorized');
  }
  const version = optInt(body, 'ip_version') ?? 4;
  if (version !== 4) throw badRequest('Invalid input for ip_version. Reason: the lab cloud supports IPv4 subnets only.', 'InvalidInput');
  const cidrText = optString(body, 'cidr');
  if (!cidrText) throw badRequest('Bad subnet request: a subnetpool must be specified in the absence of a cidr.', 'BadRequest');
  const cidr = validateCidr(cidrText);
  for (const other of s.subnets.filter((x) => x.network_id === net.id)) {
    if (overlaps(cidr, parseCidr(String(other.cidr))!)) {
      throw badRequest(`Invalid input for operation: Requested subnet with cidr: ${cidrText} for network: ${net.id} overlaps with another subnet.`, 'InvalidInput');
    }
  }
  const gateway = gatewayOf(body, cidr);
  const pools = body.allocation_pools === undefined || body.allocation_pools === null ? defaultPools(cidr, gateway) : validatePools(cidr, parsePools(body), gateway);
  const subnet: NeutronResource = {
    ...standard(project, body),
    name: optString(body, 'name') ?? '',
    network_id: net.id,
    ip_version: 4,
    cidr: cidrText,
    gateway_ip: gateway,
    allocation_pools: pools,
    enable_dhcp: optBool(body, 'enable_dhcp') ?? true,
    dns_nameservers: parseDns(body) ?? [],
    host_routes: parseRoutes(body) ?? [],
    ipv6_address_mode: null,
    ipv6_ra_mode: null,
    subnetpool_id: null,
    segment_id: null,
    service_types: [],
    dns_publish_fixed_ip: false,
  };
  s.subnets.push(subnet);
  (net.subnets as string[]).push(subnet.id);
  touch(net);
  return subnet;
}

function updateSubnet(s: CloudState, id: string, body: Obj, who: Identity): NeutronResource {
  const sub = visibleSubnet(s, id, who);
  if (sub.project_id !== who.projectId && !who.isAdmin) throw forbidden('(rule:update_subnet) is disallowed by policy', 'PolicyNotAuthorized');
  const cidr = parseCidr(String(sub.cidr))!;
  for (const k of ['name', 'description']) if (k in body) sub[k] = optString(body, k) ?? '';
  if ('enable_dhcp' in body) sub.enable_dhcp = optBool(body, 'enable_dhcp') ?? true;
  if ('gateway_ip' in body) sub.gateway_ip = gatewayOf(body, cidr);
  if ('allocation_pools' in body) sub.allocation_pools = validatePools(cidr, parsePools(body), sub.gateway_ip as string | null);
  const dns = parseDns(body);
  if (dns) sub.dns_nameservers = dns;
  const routes = parseRoutes(body);
  if (routes) sub.host_routes = routes;
  touch(sub);
  return sub;
}

function gatewayOf(body: Obj, cidr: Cidr): string | null {
  if (!('gateway_ip' in body)) return defaultGateway(cidr);
  const gw = body.gateway_ip;
  if (gw === null) return null;
  if (typeof gw !== 'string' || ipToInt(gw) === undefined) throw badRequest(`Invalid input for gateway_ip. Reason: '${String(gw)}' is not a valid IP address.`, 'InvalidInput');
  if (!contains(cidr, ipToInt(gw)!)) throw badRequest(`Invalid input for operation: Gateway is not valid on subnet.`, 'InvalidInput');
  return gw;
}

function parsePools(body: Obj): Pool[] {
  return (optArray(body, 'allocation_pools') ?? []).map((p) => {
    if (!isObj(p) || typeof p.start !== 'string' || typeof p.end !== 'string') {
      throw badRequest(`Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '${JSON.stringify(p)}'.`, 'InvalidInput');
    }
    return { start: p.start, end: p.end };
  });
}

function parseDns(body: Obj): string[] | undefined {
  const list = optArray(body, 'dns_nameservers');
  if (!list) return undefined;
  return list.map((d) => {
    if (typeof d !== 'string' || ipToInt(d) === undefined) throw badRequest(`Invalid input for dns_nameservers. Reason: '${String(d)}' is not a valid nameserver.`, 'InvalidInput');
    return d;
  });
}

function parseRoutes(body: Obj): { destination: string; nexthop: string }[] | undefined {
  const list = optArray(body, 'host_routes');
  if (!list) return undefined;
  return list.map((r) => {
    if (!isObj(r) || typeof r.destination !== 'string' || typeof r.nexthop !== 'string' || !parseCidr(r.destination) || ipToInt(r.nexthop) === undefined) {
      throw badRequest(`Invalid input for host_routes. Reason: Invalid data format for hostroute: '${JSON.stringify(r)}'.`, 'InvalidInput');
    }
    return { destination: r.destination, nexthop: r.nexthop };
  });
}
