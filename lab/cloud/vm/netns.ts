// Network-namespace plumbing for micro-VMs: namespaces, veth legs into the
// switch namespace's bridges, MACs, addresses, routes, the persistent UTS
// namespace (hostname), and the argv that runs a command "inside" a VM.
//
// Every command runs in the HOST's mount and network namespaces. The lab
// runs the lab cloud inside its own node namespace (`ip netns exec cloud`,
// a private mount namespace whose new mounts do not propagate back): there,
// `ip netns add` and the UTS bind mount would be invisible to the rest of the
// machine. So when this process is not in PID 1's mount/net namespaces, each
// command is prefixed with `nsenter -t 1 -m -n` (hostNamespaces: auto).
import { readFileSync, readlinkSync } from 'node:fs';
import { run, type RunResult } from '../../sh.ts';

/**
 * auto: PID 1's namespaces when this process is not in them (and may look);
 * self: ours; pid1: PID 1's; pid:<n>: those of process n, an "anchor" in the
 * host's mount+net namespaces (the lab's: where /proc/1/ns is not readable,
 * even by root, PID 1 cannot be entered; see lab/steps/cloud.ts).
 */
export type HostNamespaces = 'auto' | 'self' | 'pid1' | `pid:${number}`;

export class Host {
  readonly prefix: string[];
  private readonly anchor: string;

  constructor(mode: HostNamespaces = 'auto', readonly log?: string) {
    const pid = /^pid:(\d+)$/.exec(mode)?.[1];
    this.anchor = pid ?? '1';
    this.prefix = pid || mode === 'pid1' || (mode === 'auto' && !inPid1Namespaces()) ? ['nsenter', '-t', this.anchor, '-m', '-n', '--'] : [];
  }

  argv(argv: string[]): string[] {
    return [...this.prefix, ...argv];
  }

  run(argv: string[], allowFail = false, timeoutMs = 30_000): Promise<RunResult> {
    return run(this.argv(argv), { allowFail, timeoutMs, ...(this.log ? { log: this.log } : {}) });
  }

  /** The host's mount table (ours may be a private copy). */
  mountinfo(): string {
    return readFileSync(this.prefix.length ? `/proc/${this.anchor}/mountinfo` : '/proc/self/mountinfo', 'utf8');
  }
}

function inPid1Namespaces(): boolean {
  try {
    return ['mnt', 'net'].every((t) => readlinkSync(`/proc/self/ns/${t}`) === readlinkSync(`/proc/1/ns/${t}`));
  } catch {
    return true; // cannot see PID 1's namespaces: assume we are the host
  }
}

export async function listNamespaces(host: Host): Promise<string[]> {
  const r = await host.run(['ip', 'netns', 'list'], true);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!.trim())
    .filter(Boolean);
}

export async function namespaceExists(host: Host, ns: string): Promise<boolean> {
  return (await listNamespaces(host)).includes(ns);
}

export async function createNamespace(host: Host, ns: string): Promise<void> {
  if (!(await namespaceExists(host, ns))) await host.run(['ip', 'netns', 'add', ns]);
  // The kernel's gratuitous ARP when an interface comes up (arp_notify), as
  // cloud images have it; see announceAddresses for why it is not enough alone.
  await host.run(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_notify=1']);
  await host.run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

export async function deleteNamespace(host: Host, ns: string): Promise<void> {
  if (await namespaceExists(host, ns)) await host.run(['ip', 'netns', 'del', ns]);
}

interface IpLink {
  ifname: string;
  master?: string;
  link_type?: string;
  linkinfo?: { info_kind?: string };
}

export async function links(host: Host, ns: string): Promise<IpLink[]> {
  const r = await host.run(['ip', '-j', '-d', '-n', ns, 'link', 'show'], true);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return JSON.parse(r.stdout) as IpLink[];
}

export async function bridgeExists(host: Host, switchNs: string, bridge: string): Promise<boolean> {
  return (await links(host, switchNs)).some((l) => l.ifname === bridge && l.linkinfo?.info_kind === 'bridge');
}

export interface LegSpec {
  switchNs: string;
  bridge: string;
  /** Switch-side end, <= 15 chars. */
  switchIf: string;
  vmNs: string;
  /** VM-side name (eth<n>). */
  ifname: string;
  mac?: string;
  /** CIDR addresses, e.g. 198.19.50.10/24. */
  addresses: string[];
  mtu?: number;
}

/** Create the veth pair (VM end made directly inside the VM namespace as eth<n>), plug it into the bridge, set MAC and addresses. */
export async function addLeg(host: Host, leg: LegSpec): Promise<void> {
  await host.run(['ip', '-n', leg.switchNs, 'link', 'add', leg.switchIf, 'type', 'veth', 'peer', 'name', leg.ifname, 'netns', leg.vmNs]);
  await host.run(['ip', '-n', leg.switchNs, 'link', 'set', leg.switchIf, 'master', leg.bridge, 'up']);
  if (leg.mac) await host.run(['ip', '-n', leg.vmNs, 'link', 'set', leg.ifname, 'address', leg.mac]);
  if (leg.mtu) await host.run(['ip', '-n', leg.vmNs, 'link', 'set', leg.ifname, 'mtu', String(leg.mtu)]);
  for (const a of leg.addresses) await host.run(['ip', '-n', leg.vmNs, 'addr', 'add', a, 'dev', leg.ifname]);
  await host.run(['ip', '-n', leg.vmNs, 'link', 'set', leg.ifname, 'up']);
}

/**
 * Gratuitous ARP for each address of a leg, twice a second apart (iputils
 * arping -U). A VM that gets a just-deleted VM's address (with a new MAC) must
 * correct its neighbours' caches, or the harness keeps sending to the old MAC
 * until its entry goes stale and fails (9 s measured in the lab tests). The
 * kernel's own announcement at link up can reach the bridge before the bridge
 * port forwards, so it is sent again from user space once the leg is up.
 * Best effort: a VM without arping still works, only slower to reach.
 */
export async function announceAddresses(host: Host, leg: Pick<LegSpec, 'vmNs' | 'ifname' | 'addresses'>): Promise<void> {
  for (const a of leg.addresses) {
    const ip = a.split('/')[0]!;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) continue;
    await host.run(['ip', 'netns', 'exec', leg.vmNs, 'arping', '-q', '-U', '-c', '2', '-w', '3', '-I', leg.ifname, ip], true, 10_000);
  }
}

export async function setLinkUp(host: Host, ns: string, ifname: string, up: boolean): Promise<void> {
  await host.run(['ip', '-n', ns, 'link', 'set', ifname, up ? 'up' : 'down'], true);
}

export async function deleteLink(host: Host, ns: string, ifname: string): Promise<void> {
  if ((await links(host, ns)).some((l) => l.ifname === ifname)) await host.run(['ip', '-n', ns, 'link', 'del', ifname], true);
}

export interface RouteSpec {
  destination: string;
  via?: string;
  dev?: string;
}

export async function addRoute(host: Host, ns: string, r: RouteSpec): Promise<void> {
  const argv = ['ip', '-n', ns, 'route', 'replace', r.destination];
  if (r.via) argv.push('via', r.via);
  if (r.dev) argv.push('dev', r.dev);
  await host.run(argv);
}

/** Persistent UTS namespace bind-mounted on `file`, hostname set in it. */
export async function makeUts(host: Host, file: string, hostname: string): Promise<void> {
  if (!utsMounted(host, file)) {
    await host.run(['touch', file]);
    await host.run(['unshare', `--uts=${file}`, 'hostname', hostname]);
  } else {
    await host.run(['nsenter', `--uts=${file}`, 'hostname', hostname]);
  }
}

export function utsMounted(host: Host, file: string): boolean {
  return host
    .mountinfo()
    .split('\n')
    .some((line) => line.split(' ')[4] === file);
}

export async function removeUts(host: Host, file: string): Promise<void> {
  // A file can carry stacked mounts (an interrupted boot that mounted twice).
  for (let i = 0; i < 5 && utsMounted(host, file); i++) await host.run(['umount', file], true);
}

/** argv that runs `argv` inside the VM: its netns, its /etc/netns entries over /etc, its hostname. */
export function vmExecArgv(host: Host, ns: string, utsFile: string, argv: string[]): string[] {
  return host.argv(['ip', 'netns', 'exec', ns, 'nsenter', `--uts=${utsFile}`, ...argv]);
}

/** PIDs whose network namespace is ns (all processes of a VM). */
export async function namespacePids(host: Host, ns: string): Promise<number[]> {
  const r = await host.run(['ip', 'netns', 'pids', ns], true);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
}

/** Switch-side veth name: v + 6 hex of the server id + leg index (<= 15 chars). */
export function switchIfName(serverId: string, index: number, hex?: string): string {
  const h = hex ?? serverId.replace(/-/g, '').slice(0, 6);
  const name = `v${h}${index}`;
  if (name.length > 15) throw new Error(`interface name ${name} is longer than 15 characters`);
  return name;
}

export function prefixLength(cidr: string): number {
  const p = Number(cidr.split('/')[1]);
  if (!Number.isInteger(p) || p < 0 || p > 32) throw new Error(`bad CIDR ${cidr}`);
  return p;
}
