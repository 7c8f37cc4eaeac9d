// The topology an environment asks for, computed once from the environment
// file and nothing else: what every ensure-helper compares the site against.
import { ConfigError } from '../env/errors.ts';
import type { Environment, ProvisionDef } from '../env/schema.ts';
import { inCidr, mgmtPool, normalizeCidr } from './ipv4.ts';

export interface DesiredNetwork {
  name: string;
  shared: boolean;
  provider?: { networkType: string; physicalNetwork: string; segmentationId?: number };
  subnet: DesiredSubnet;
}

export interface DesiredSubnet {
  name: string;
  cidr: string;
  gatewayIp: string | null;
  allocationPools: { start: string; end: string }[];
}

export interface DesiredRule {
  /** "vrrp" (protocol 112) or "tcp". */
  protocol: 'vrrp' | 'tcp';
  portMin: number | null;
  portMax: number | null;
  /** VRRP only between the group's members (the documents' --remote-group-id). */
  remoteSelf: boolean;
}

export interface DesiredPort {
  name: string;
  network: string;
  /** Fixed address asked for; undefined: any from the pool. */
  fixedIp?: string;
  allowedAddresses: string[];
}

export interface DesiredServer {
  /** Server name = node name in the environment. */
  name: string;
  image: string;
  flavor: string;
  keypair: string;
  /** In NIC order: admin-mgmt first (eth0), then the cluster's trove-mgmt networks (eth1...). */
  ports: DesiredPort[];
}

export interface DesiredTopology {
  adminNetwork: DesiredNetwork;
  managementNetworks: DesiredNetwork[];
  securityGroup: { name: string; rules: DesiredRule[] };
  servers: DesiredServer[];
}

export function provisionOf(env: Environment): ProvisionDef {
  if (!env.provision) throw new ConfigError(`environment "${env.name}" has no provision section; add one (see environments/staging.example.yaml) to provision or lint this site`);
  return env.provision;
}

export function desiredTopology(env: Environment): DesiredTopology {
  const p = provisionOf(env);
  const a = p.adminNetwork;
  const adminNetwork: DesiredNetwork = {
    name: a.name,
    shared: false,
    provider: { networkType: a.networkType, physicalNetwork: a.physicalNetwork, ...(a.segmentationId !== undefined ? { segmentationId: a.segmentationId } : {}) },
    subnet: { name: `${a.name}-subnet`, cidr: normalizeCidr(a.cidr), gatewayIp: a.gateway ?? null, allocationPools: a.allocationPool ? [a.allocationPool] : [] },
  };
  const managementNetworks = p.managementNetworks.map((n): DesiredNetwork => {
    const vip = vipAddress(env, n.name);
    if (!inCidr(vip, n.cidr)) throw new ConfigError(`provision.managementNetworks ${n.name}: VIP ${n.vip} (${vip}) is not in ${n.cidr}; use an address of that network (the documents use .5)`);
    return { name: n.name, shared: true, subnet: { name: `${n.name}-subnet`, cidr: normalizeCidr(n.cidr), gatewayIp: null, allocationPools: [mgmtPool(n.cidr)] } };
  });
  const servers = p.clusters.flatMap((c) =>
    c.members.map((m): DesiredServer => ({
      name: m.node,
      image: p.servers.image,
      flavor: p.servers.flavor,
      keypair: p.servers.keypair,
      ports: [
        { name: `${m.node}-${a.name}`, network: a.name, fixedIp: env.nodes[m.node]!.address, allowedAddresses: [] },
        ...c.networks.map((net) => ({ name: `${m.node}-${net}`, network: net, ...(m.addresses[net] ? { fixedIp: m.addresses[net] } : {}), allowedAddresses: [vipAddress(env, net)] })),
      ],
    })),
  );
  return { adminNetwork, managementNetworks, securityGroup: { name: p.securityGroup, rules: desiredRules(env) }, servers };
}

/** The VIP address keepalived holds on a trove-mgmt network. */
export function vipAddress(env: Environment, network: string): string {
  const n = provisionOf(env).managementNetworks.find((x) => x.name === network);
  if (!n) throw new ConfigError(`no trove-mgmt network "${network}" in provision.managementNetworks`);
  return env.vips[n.vip]!.address;
}

/** TCP ports the HAProxy nodes serve on the trove-mgmt VIPs (8080, 5670-5672), as sorted ranges. */
export function servicePortRanges(env: Environment): [number, number][] {
  const ports = [...new Set(provisionOf(env).managementNetworks.flatMap((n) => Object.values(env.vips[n.vip]!.ports)))].sort((x, y) => x - y);
  const ranges: [number, number][] = [];
  for (const port of ports) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === port - 1) last[1] = port;
    else ranges.push([port, port]);
  }
  return ranges;
}

function desiredRules(env: Environment): DesiredRule[] {
  return [
    { protocol: 'vrrp', portMin: null, portMax: null, remoteSelf: true },
    ...servicePortRanges(env).map(([min, max]): DesiredRule => ({ protocol: 'tcp', portMin: min, portMax: max, remoteSelf: false })),
  ];
}
