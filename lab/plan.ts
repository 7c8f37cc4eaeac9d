// The lab topology as data: networks, nodes, their legs and addresses. Must agree
// with environments/lab.yaml (a test checks that it does).

export interface Network {
  /** Logical name, as in the documents. */
  name: string;
  /** Bridge name inside the switch namespace (<= 15 chars). */
  bridge: string;
  cidr: string;
  prefix: number;
}

export interface Leg {
  network: string;
  ifname: string;
  address: string;
}

export interface LabNode {
  name: string;
  role: 'controller' | 'mgmt-proxy' | 'guest-probe' | 'cloud';
  legs: Leg[];
}

export const SWITCH_NS = 'lab-sw';

export const networks: Network[] = [
  { name: 'admin', bridge: 'br-admin', cidr: '198.18.0.0/24', prefix: 24 },
  { name: 'trove-mgmt1', bridge: 'br-mgmt1', cidr: '198.18.10.0/24', prefix: 24 },
  { name: 'trove-mgmt2', bridge: 'br-mgmt2', cidr: '198.18.11.0/24', prefix: 24 },
  { name: 'trove-mgmt3', bridge: 'br-mgmt3', cidr: '198.18.12.0/24', prefix: 24 },
  { name: 'tenant', bridge: 'br-tenant', cidr: '198.18.20.0/24', prefix: 24 },
];

/** The harness's own legs, in the root namespace: admin and tenant, never a trove-mgmt network. */
export const harnessLegs: Leg[] = [
  { network: 'admin', ifname: 'lab-admin', address: '198.18.0.1' },
  { network: 'tenant', ifname: 'lab-tenant', address: '198.18.20.1' },
];

const ctl = (i: number): LabNode => ({
  name: `ctl${i}`,
  role: 'controller',
  legs: [{ network: 'admin', ifname: 'eth0', address: `198.18.0.1${i}` }],
});
const ha = (i: number): LabNode => ({
  name: `ha${i}`,
  role: 'mgmt-proxy',
  legs: [
    { network: 'admin', ifname: 'eth0', address: `198.18.0.2${i}` },
    { network: 'trove-mgmt1', ifname: 'eth1', address: `198.18.10.${i + 1}` },
    { network: 'trove-mgmt2', ifname: 'eth2', address: `198.18.11.${i + 1}` },
    { network: 'trove-mgmt3', ifname: 'eth3', address: `198.18.12.${i + 1}` },
  ],
});
const probe = (i: number): LabNode => ({
  name: `probe${i}`,
  role: 'guest-probe',
  legs: [
    { network: 'tenant', ifname: 'eth0', address: `198.18.20.4${i}` },
    { network: `trove-mgmt${i}`, ifname: 'eth1', address: `198.18.${9 + i}.4` },
  ],
});

/** The lab cloud (Nova/Neutron/Glance/Cinder subset, lab/cloud/): an admin-network host of its own. */
const cloud: LabNode = { name: 'cloud', role: 'cloud', legs: [{ network: 'admin', ifname: 'eth0', address: '198.18.0.30' }] };

/** The nodes the lab builds itself as namespaces (network and nodes steps). */
export const nodes: LabNode[] = [ctl(1), ctl(2), ctl(3), probe(1), probe(2), probe(3), cloud];

export const controllers = nodes.filter((n) => n.role === 'controller');
/**
 * ha1/ha2, the trove-mgmt HAProxy nodes: NOT built by the lab by hand. They are
 * lab cloud servers that `trove-ha provision` makes (step proxies), with these
 * addresses as fixed IPs (environments/lab.yaml, provision); the data here is
 * what the rest of the lab expects of them.
 */
export const mgmtProxies: LabNode[] = [ha(1), ha(2)];
export const cloudNode = cloud;

export const API_VIP = '198.18.0.10';
/** trove-mgmtN -> VIP .5 on that network. */
export const mgmtVips = [
  { network: 'trove-mgmt1', address: '198.18.10.5', ifname: 'eth1', instance: 'VI_1', routerId: 51, master: 'ha1' },
  { network: 'trove-mgmt2', address: '198.18.11.5', ifname: 'eth2', instance: 'VI_2', routerId: 52, master: 'ha2' },
  { network: 'trove-mgmt3', address: '198.18.12.5', ifname: 'eth3', instance: 'VI_3', routerId: 53, master: 'ha1' },
];
export const GUEST_PROXY_HOSTNAME = 'proxy.polex.io';

export function node(name: string): LabNode {
  const n = nodes.find((x) => x.name === name);
  if (!n) throw new Error(`lab plan has no node ${name}`);
  return n;
}
export function primaryAddress(n: LabNode): string {
  return n.legs[0]!.address;
}
