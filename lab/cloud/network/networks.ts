// Neutron networks: create (shared, router:external, provider attributes with
// VLAN/flat uniqueness), list with filters, show, update, delete (refused
// while ports other than network-owned ones use it).
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, forbidden } from '../errors.ts';
import { envelope, optBool, optInt, optString, type Obj } from '../input.ts';
import type { CloudState, NeutronResource } from '../model.ts';
import { empty, json, type Router } from '../router.ts';
import type { Identity } from '../auth.ts';
import { listBody } from './neutron-list.ts';
import { networkIsOpen, ownerOf, renderNetwork, standard, touch, visibleNetwork } from './resource.ts';
import { ensureDefaultSecurityGroup } from './security-groups.ts';

const TYPES = new Set(['flat', 'vlan', 'vxlan', 'gre', 'geneve', 'local']);
const ADMIN_ONLY = ['shared', 'router:external', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'];

export function registerNetworks(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('GET', '/v2.0/networks', (ctx) => {
    const who = ctx.identity;
    const items = store.state.networks.filter((n) => who.isAdmin || n.project_id === who.projectId || networkIsOpen(n)).map((n) => renderNetwork(n, who));
    return json(200, listBody('networks', items, ctx.query, ctx.baseUrl));
  });
  router.add('GET', '/v2.0/networks/:id', (ctx) => json(200, { network: renderNetwork(visibleNetwork(store.state, ctx.params.id!, ctx.identity), ctx.identity) }));
  router.add('POST', '/v2.0/networks', (ctx) => {
    const body = envelope(ctx.body, 'network');
    const net = store.mutate((s) => {
      const n = createNetwork(s, body, ctx.identity);
      ensureDefaultSecurityGroup(s, n.project_id);
      return n;
    });
    return json(201, { network: renderNetwork(net, ctx.identity) });
  });
  router.add('PUT', '/v2.0/networks/:id', (ctx) => {
    const body = envelope(ctx.body, 'network');
    const net = store.mutate((s) => {
      const n = visibleNetwork(s, ctx.params.id!, ctx.identity);
      if (n.project_id !== ctx.identity.projectId && !ctx.identity.isAdmin) throw forbidden(`(rule:update_network) is disallowed by policy`, 'PolicyNotAuthorized');
      for (const k of ['shared', 'router:external']) {
        if (k in body && !ctx.identity.isAdmin) throw forbidden(`(rule:update_network and rule:update_network:${k}) is disallowed by policy`, 'PolicyNotAuthorized');
      }
      for (const k of ['name', 'description']) if (k in body) n[k] = optString(body, k) ?? '';
      for (const k of ['admin_state_up', 'shared', 'router:external', 'port_security_enabled']) {
        const v = optBool(body, k);
        if (v !== undefined) n[k] = v;
      }
      const mtu = optInt(body, 'mtu', 68, 9216);
      if (mtu !== undefined) n.mtu = mtu;
      touch(n);
      return n;
    });
    return json(200, { network: renderNetwork(net, ctx.identity) });
  });
  router.add('DELETE', '/v2.0/networks/:id', (ctx) => {
    store.mutate((s) => deleteNetwork(s, ctx.params.id!, ctx.identity));
    return empty();
  });
}

export function createNetwork(s: CloudState, body: Obj, who: Identity): NeutronResource {
  const project = ownerOf(body, who, 'network');
  for (const k of ADMIN_ONLY) {
    if (body[k] !== undefined && body[k] !== false && !who.isAdmin) {
      throw forbidden(`(rule:create_network and rule:create_network:${k}) is disallowed by policy`, 'PolicyNotAuthorized');
    }
  }
  const provider = providerAttributes(s, body);
  const n: NeutronResource = {
    ...standard(project, body),
    name: optString(body, 'name') ?? '',
    admin_state_up: optBool(body, 'admin_state_up') ?? true,
    status: 'ACTIVE',
    subnets: [],
    shared: optBool(body, 'shared') ?? false,
    'router:external': optBool(body, 'router:external') ?? false,
    ...provider,
    mtu: optInt(body, 'mtu', 68, 9216) ?? (provider['provider:network_type'] === 'vxlan' ? 1450 : 1500),
    port_security_enabled: optBool(body, 'port_security_enabled') ?? true,
    availability_zone_hints: [],
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    is_default: false,
    l2_adjacency: true,
    qos_policy_id: null,
  };
  s.networks.push(n);
  return n;
}

function providerAttributes(s: CloudState, body: Obj): Record<string, unknown> {
  const type = optString(body, 'provider:network_type');
  const physnet = optString(body, 'provider:physical_network') ?? null;
  let segment = optInt(body, 'provider:segmentation_id') ?? null;
  if (type === undefined) {
    if (physnet !== null || segment !== null) throw badRequest('Invalid input for operation: network_type required.', 'InvalidInput');
    // Tenant networks: VXLAN with the next free VNI, as ml2's default tenant type.
    const used = new Set(s.networks.filter((n) => n['provider:network_type'] === 'vxlan').map((n) => n['provider:segmentation_id']));
    let vni = 1;
    while (used.has(vni)) vni++;
    return { 'provider:network_type': 'vxlan', 'provider:physical_network': null, 'provider:segmentation_id': vni };
  }
  if (!TYPES.has(type)) throw badRequest(`Invalid input for operation: network_type value '${type}' not supported.`, 'InvalidInput');
  if (type === 'vlan') {
    if (physnet === null) throw badRequest('Invalid input for operation: physical_network required for VLAN provider network.', 'InvalidInput');
    if (segment === null) {
      segment = 1;
      while (vlanTaken(s, physnet, segment)) segment++;
    }
    if (segment < 1 || segment > 4094) throw badRequest(`Invalid input for operation: segmentation_id out of range (1 through 4094).`, 'InvalidInput');
    if (vlanTaken(s, physnet, segment)) {
      throw conflict(`Unable to create the network. The VLAN ${segment} on physical network ${physnet} is in use.`, 'VlanIdInUse');
    }
  } else if (type === 'flat') {
    if (physnet === null) throw badRequest('Invalid input for operation: physical_network required for flat provider network.', 'InvalidInput');
    if (segment !== null) throw badRequest('Invalid input for operation: segmentation_id specified for flat provider network.', 'InvalidInput');
    if (s.networks.some((n) => n['provider:network_type'] === 'flat' && n['provider:physical_network'] === physnet)) {
      throw conflict(`Unable to create the flat network. Physical network ${physnet} is in use.`, 'FlatNetworkInUse');
    }
  } else if (type === 'local') {
    segment = null;
  } else if (segment === null) {
    const used = new Set(s.networks.filter((n) => n['provider:network_type'] === type).map((n) => n['provider:segmentation_id']));
    segment = 1;
    while (used.has(segment)) segment++;
  } else if (s.networks.some((n) => n['provider:network_type'] === type && n['provider:segmentation_id'] === segment)) {
    throw conflict(`Unable to create the network. The tunnel ID ${segment} is in use.`, 'TunnelIdInUse');
  }
  return { 'provider:network_type': type, 'provider:physical_network': type === 'vlan' || type === 'flat' ? physnet : null, 'provider:segmentation_id': segment };
}

function vlanTaken(s: CloudState, physnet: string, vlan: number): boolean {
  return s.networks.some((n) => n['provider:network_type'] === 'vlan' && n['provider:physical_network'] === physnet && n['provider:segmentation_id'] === vlan);
}

function deleteNetwork(s: CloudState, id: string, who: Identity): void {
  const n = visibleNetwork(s, id, who);
  if (n.project_id !== who.projectId && !who.isAdmin) throw forbidden('(rule:delete_network) is disallowed by policy', 'PolicyNotAuthorized');
  const busy = s.ports.some((p) => p.network_id === id && !String(p.device_owner ?? '').startsWith('network:dhcp'));
  if (busy) throw conflict(`Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`, 'NetworkInUse');
  s.ports = s.ports.filter((p) => p.network_id !== id);
  s.subnets = s.subnets.filter((x) => x.network_id !== id);
  s.networks = s.networks.filter((x) => x.id !== id);
}
