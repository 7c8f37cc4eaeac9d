// Neutron (catalog type "network"), the subset the provisioning helpers use:
// networks with provider attributes, subnets, security groups and rules, and
// ports with allowed-address-pairs. Lists follow Neutron's "next" links.
import type { KeystoneSession } from './keystone.ts';

const SERVICE_TYPE = 'network';

export interface Network {
  id: string;
  name: string;
  shared: boolean;
  subnets: string[];
  'provider:network_type'?: string | null;
  'provider:physical_network'?: string | null;
  'provider:segmentation_id'?: number | null;
  [key: string]: unknown;
}

export interface AllocationPool {
  start: string;
  end: string;
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  allocation_pools: AllocationPool[];
  [key: string]: unknown;
}

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  [key: string]: unknown;
}

export interface SecurityGroup {
  id: string;
  name: string;
  security_group_rules: SecurityGroupRule[];
  [key: string]: unknown;
}

export interface AddressPair {
  ip_address: string;
  mac_address?: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  mac_address: string;
  device_id: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  security_groups: string[];
  allowed_address_pairs: AddressPair[];
  [key: string]: unknown;
}

type Query = Record<string, string | number | boolean | undefined>;

export class NetworkClient {
  constructor(private readonly session: KeystoneSession) {}

  listNetworks(query: Query = {}): Promise<Network[]> {
    return this.list<Network>('networks', query);
  }
  createNetwork(body: Record<string, unknown>): Promise<Network> {
    return this.write<Network>('POST', 'networks', 'network', body);
  }
  updateNetwork(id: string, body: Record<string, unknown>): Promise<Network> {
    return this.write<Network>('PUT', `networks/${id}`, 'network', body);
  }

  listSubnets(query: Query = {}): Promise<Subnet[]> {
    return this.list<Subnet>('subnets', query);
  }
  createSubnet(body: Record<string, unknown>): Promise<Subnet> {
    return this.write<Subnet>('POST', 'subnets', 'subnet', body);
  }
  updateSubnet(id: string, body: Record<string, unknown>): Promise<Subnet> {
    return this.write<Subnet>('PUT', `subnets/${id}`, 'subnet', body);
  }
  async deleteSubnet(id: string): Promise<void> {
    await this.session.request(SERVICE_TYPE, 'DELETE', `v2.0/subnets/${id}`);
  }

  listSecurityGroups(query: Query = {}): Promise<SecurityGroup[]> {
    return this.list<SecurityGroup>('security-groups', query, 'security_groups');
  }
  createSecurityGroup(body: Record<string, unknown>): Promise<SecurityGroup> {
    return this.write<SecurityGroup>('POST', 'security-groups', 'security_group', body);
  }
  createSecurityGroupRule(body: Record<string, unknown>): Promise<SecurityGroupRule> {
    return this.write<SecurityGroupRule>('POST', 'security-group-rules', 'security_group_rule', body);
  }
  async deleteSecurityGroupRule(id: string): Promise<void> {
    await this.session.request(SERVICE_TYPE, 'DELETE', `v2.0/security-group-rules/${id}`);
  }

  listPorts(query: Query = {}): Promise<Port[]> {
    return this.list<Port>('ports', query);
  }
  createPort(body: Record<string, unknown>): Promise<Port> {
    return this.write<Port>('POST', 'ports', 'port', body);
  }
  updatePort(id: string, body: Record<string, unknown>): Promise<Port> {
    return this.write<Port>('PUT', `ports/${id}`, 'port', body);
  }

  private async write<T>(method: 'POST' | 'PUT', path: string, key: string, body: Record<string, unknown>): Promise<T> {
    const r = await this.session.request<Record<string, T>>(SERVICE_TYPE, method, `v2.0/${path}`, { json: { [key]: body } });
    return r.body[key]!;
  }

  private async list<T>(path: string, query: Query, key = path): Promise<T[]> {
    const all: T[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await this.session.request<Record<string, unknown>>(SERVICE_TYPE, 'GET', `v2.0/${path}`, { query: { ...query, marker } });
      const page = (r.body[key] ?? []) as (T & { id: string })[];
      all.push(...page);
      // Neutron pages only when asked for a limit or when its own max is set; follow "next" either way.
      const links = r.body[`${key}_links`] as { rel: string; href: string }[] | undefined;
      const next = links?.find((l) => l.rel === 'next');
      if (!next || page.length === 0) return all;
      marker = new URL(next.href).searchParams.get('marker') ?? undefined;
      if (!marker) return all;
    }
  }
}
