// IPv4 arithmetic for subnets: the documents' layout reserves .1-.5 of each
// trove-mgmt /24 (VIP .5) and hands .6 up to the last host to Neutron.
export interface Cidr {
  network: number;
  prefix: number;
  /** First and last usable host (network and broadcast excluded). */
  firstHost: number;
  lastHost: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (!ip || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (ipToInt(ip) & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  return { network, prefix, firstHost: prefix >= 31 ? network : network + 1, lastHost: prefix >= 31 ? broadcast : broadcast - 1 };
}

export function inCidr(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  const size = 2 ** (32 - c.prefix);
  const n = ipToInt(ip);
  return n >= c.network && n < c.network + size;
}

/** The canonical form Neutron stores: host bits cleared. */
export function normalizeCidr(cidr: string): string {
  const c = parseCidr(cidr);
  return `${intToIp(c.network)}/${c.prefix}`;
}

/** Host number `n` of a subnet (n = 5 → 198.18.10.5 in 198.18.10.0/24). */
export function hostAddress(cidr: string, n: number): string {
  return intToIp(parseCidr(cidr).network + n);
}

/** The documents' trove-mgmt pool: host 6 to the last host. */
export function mgmtPool(cidr: string): { start: string; end: string } {
  const c = parseCidr(cidr);
  return { start: intToIp(c.network + 6), end: intToIp(c.lastHost) };
}
