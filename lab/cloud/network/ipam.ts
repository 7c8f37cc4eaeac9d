// IPv4 address management for subnets, as Neutron's default IPAM driver:
// default allocation pool = the CIDR minus network, broadcast and gateway;
// explicit pools must lie in the CIDR and not hold the gateway; a port gets
// the first free address of the pools, or the one it asks for if that is in
// the subnet and unused.
import { badRequest, conflict } from '../errors.ts';

export interface Pool {
  start: string;
  end: string;
}

export interface Cidr {
  network: number;
  prefix: number;
  /** First and last address of the block (network and broadcast). */
  first: number;
  last: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const addr = ipToInt(m[1]!);
  const prefix = Number(m[2]);
  if (addr === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(addr / size) * size;
  return { network: first, prefix, first, last: first + size - 1 };
}

/** Neutron refuses a CIDR whose host bits are set ("198.18.10.5/24"): it wants the network address. */
export function validateCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c) throw badRequest(`Invalid input for cidr. Reason: '${text}' is not a valid IP subnet.`);
  if (intToIp(c.first) !== text.split('/')[0]) {
    throw badRequest(`Invalid input for cidr. Reason: '${text}' isn't a recognized IP subnet cidr, '${intToIp(c.first)}/${c.prefix}' is recommended.`);
  }
  return c;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.first && ip <= c.last;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** Usable host range: /31 and /32 have no network/broadcast to skip (RFC 3021). */
function hostRange(c: Cidr): [number, number] {
  return c.prefix >= 31 ? [c.first, c.last] : [c.first + 1, c.last - 1];
}

export function defaultGateway(c: Cidr): string {
  return intToIp(hostRange(c)[0]);
}

export function defaultPools(c: Cidr, gateway: string | null): Pool[] {
  const [lo, hi] = hostRange(c);
  const gw = gateway === null ? undefined : ipToInt(gateway);
  if (gw === undefined || gw < lo || gw > hi) return lo <= hi ? [{ start: intToIp(lo), end: intToIp(hi) }] : [];
  const pools: Pool[] = [];
  if (gw > lo) pools.push({ start: intToIp(lo), end: intToIp(gw - 1) });
  if (gw < hi) pools.push({ start: intToIp(gw + 1), end: intToIp(hi) });
  return pools;
}

export function validatePools(c: Cidr, pools: Pool[], gateway: string | null): Pool[] {
  const ranges: [number, number][] = [];
  for (const p of pools) {
    const s = ipToInt(p.start);
    const e = ipToInt(p.end);
    if (s === undefined || e === undefined) throw badRequest(`Invalid input for allocation_pools. Reason: '${p.start}'-'${p.end}' is not a valid IP range.`);
    if (s > e) throw badRequest(`Invalid input for operation: Start IP (${p.start}) is greater than end IP (${p.end}).`, 'InvalidInput');
    if (!contains(c, s) || !contains(c, e)) {
      throw badRequest(`The allocation pool ${p.start}-${p.end} spans beyond the subnet cidr ${intToIp(c.first)}/${c.prefix}.`, 'OutOfBoundsAllocationPool');
    }
    for (const [rs, re] of ranges) {
      if (s <= re && rs <= e) throw badRequest(`Found overlapping allocation pools: ${p.start}-${p.end} and ${intToIp(rs)}-${intToIp(re)} for subnet ${intToIp(c.first)}/${c.prefix}.`, 'OverlappingAllocationPools');
    }
    ranges.push([s, e]);
  }
  const gw = gateway === null ? undefined : ipToInt(gateway);
  if (gw !== undefined && ranges.some(([s, e]) => gw >= s && gw <= e)) {
    throw conflict(`Gateway ip ${gateway} conflicts with allocation pool ${pools.map((p) => `${p.start}-${p.end}`).join(', ')}.`, 'GatewayConflictWithAllocationPools');
  }
  return pools;
}

/** First free address of the pools, in order; undefined when they are exhausted. */
export function firstFree(pools: Pool[], used: Set<string>): string | undefined {
  for (const p of pools) {
    const s = ipToInt(p.start)!;
    const e = ipToInt(p.end)!;
    for (let n = s; n <= e; n++) {
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
  }
  return undefined;
}

/** An address a port asks for: in the subnet, not the gateway, not taken. */
export function checkRequested(c: Cidr, ip: string, gateway: string | null, used: Set<string>, subnetId: string): string {
  const n = ipToInt(ip);
  if (n === undefined) throw badRequest(`Invalid input for fixed_ips. Reason: '${ip}' is not a valid IP address.`, 'InvalidInput');
  if (!contains(c, n)) throw badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
  const [lo, hi] = hostRange(c);
  if (n < lo || n > hi) throw badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
  if (ip === gateway) throw conflict(`IP address ${ip} already allocated in subnet ${subnetId}`, 'IpAddressAlreadyAllocated');
  if (used.has(ip)) throw conflict(`IP address ${ip} already allocated in subnet ${subnetId}`, 'IpAddressAlreadyAllocated');
  return ip;
}
