// Step "network": the lab's wiring. One switch namespace (lab-sw) holds a bridge
// per network, so nothing is bridged into the root namespace; each node is a
// network namespace with veth legs into those bridges, a persistent UTS namespace
// (its hostname) and its own /etc/hosts. The harness gets two legs in the root
// namespace (admin, tenant) and none on a trove-mgmt network, like a real
// operator's machine. Building it takes well under a second.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabStep, StepContext } from '../step.ts';
import { run } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { SWITCH_NS, networks, nodes, harnessLegs, mgmtProxies, mgmtVips, API_VIP, GUEST_PROXY_HOSTNAME, type LabNode } from '../plan.ts';
import { fileEquals, writeIfChanged } from '../files.ts';
import { listNetns, netnsPids, stopPids, processName } from '../procs.ts';

const bridgeOf = (network: string): string => networks.find((n) => n.name === network)!.bridge;
const prefixOf = (network: string): number => networks.find((n) => n.name === network)!.prefix;
/** Switch-side end of a node leg, e.g. ctl1-eth0 (<= 15 chars). */
const switchPort = (node: string, ifname: string): string => `${node}-${ifname}`;
/** Switch-side end of a harness leg, e.g. lab-admin -> h-admin. */
const harnessPort = (ifname: string): string => ifname.replace(/^lab-/, 'h-');
const utsFile = (node: string): string => join(labPaths.uts, node);

/** Nodes that run HAProxy: it binds VIPs they may not hold at the moment (ha1/ha2 get it from provisioning). */
const needsNonlocalBind = (n: LabNode): boolean => n.role === 'controller';

export function hostsFile(n: LabNode): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (n.role === 'guest-probe') {
    // A guest sees only itself and, as percona.cloudinit writes it, the VIP of
    // its own trove-mgmt network under the proxy name.
    const mgmtLeg = n.legs.find((l) => l.network.startsWith('trove-mgmt'))!;
    const vip = mgmtVips.find((v) => v.network === mgmtLeg.network)!;
    lines.push(`${n.legs[0]!.address}\t${n.name}`, `${vip.address}\t${GUEST_PROXY_HOSTNAME}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${API_VIP}\tapi-vip`);
  // ha1/ha2 are lab cloud servers (step proxies); the controllers know them by name all the same.
  for (const other of [...nodes, ...mgmtProxies].filter((x) => x.role !== 'guest-probe')) lines.push(`${other.legs[0]!.address}\t${other.name}`);
  return `${lines.join('\n')}\n`;
}

interface IpAddr {
  ifname: string;
  operstate?: string;
  flags?: string[];
  master?: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

async function ipJson(ns: string | undefined, what: 'addr' | 'link'): Promise<IpAddr[]> {
  const argv = ns ? ['ip', '-j', '-n', ns, what, 'show'] : ['ip', '-j', what, 'show'];
  const r = await run(argv, { allowFail: true, timeoutMs: 10_000 });
  if (r.code !== 0 || !r.stdout.trim()) return [];
  return JSON.parse(r.stdout) as IpAddr[];
}

const isUp = (l: IpAddr | undefined): boolean => !!l && (l.flags ?? []).includes('UP');
const hasAddr = (l: IpAddr | undefined, address: string): boolean =>
  !!l && (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === address);

function utsMounted(node: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === utsFile(node));
}

/** Every missing piece of the wiring, as human-readable lines (empty = all there). */
async function missing(): Promise<string[]> {
  const out: string[] = [];
  const present = new Set(await listNetns());
  if (!present.has(SWITCH_NS)) return [`namespace ${SWITCH_NS}`];
  const sw = await ipJson(SWITCH_NS, 'link');
  const swLink = (name: string) => sw.find((l) => l.ifname === name);
  for (const net of networks) if (!isUp(swLink(net.bridge))) out.push(`bridge ${net.bridge}`);
  const root = await ipJson(undefined, 'addr');
  for (const leg of harnessLegs) {
    if (!hasAddr(root.find((l) => l.ifname === leg.ifname), leg.address) || !isUp(root.find((l) => l.ifname === leg.ifname)))
      out.push(`harness leg ${leg.ifname}`);
    const port = swLink(harnessPort(leg.ifname));
    if (!isUp(port) || port?.master !== bridgeOf(leg.network)) out.push(`switch port ${harnessPort(leg.ifname)}`);
  }
  await Promise.all(
    nodes.map(async (n) => {
      if (!present.has(n.name)) return void out.push(`namespace ${n.name}`);
      const links = await ipJson(n.name, 'addr');
      if (!isUp(links.find((l) => l.ifname === 'lo'))) out.push(`${n.name}: lo`);
      for (const leg of n.legs) {
        const l = links.find((x) => x.ifname === leg.ifname);
        if (!isUp(l) || !hasAddr(l, leg.address)) out.push(`${n.name}: ${leg.ifname} ${leg.address}`);
        const port = swLink(switchPort(n.name, leg.ifname));
        if (!isUp(port) || port?.master !== bridgeOf(leg.network)) out.push(`switch port ${switchPort(n.name, leg.ifname)}`);
      }
      if (!utsMounted(n.name)) out.push(`${n.name}: UTS namespace`);
      if (!fileEquals(join(labPaths.nodeEtc(n.name), 'hosts'), hostsFile(n))) out.push(`${n.name}: /etc/hosts`);
      if (needsNonlocalBind(n)) {
        const r = await run(['ip', 'netns', 'exec', n.name, 'sysctl', '-n', 'net.ipv4.ip_nonlocal_bind'], { allowFail: true });
        if (r.stdout.trim() !== '1') out.push(`${n.name}: ip_nonlocal_bind`);
      }
    }),
  );
  return out;
}

async function ensureNamespace(ns: string, log: string, present: Set<string>): Promise<void> {
  if (!present.has(ns)) await run(['ip', 'netns', 'add', ns], { log });
  await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], { log });
}

async function ensureLink(ns: string | undefined, name: string, createArgv: string[], log: string): Promise<void> {
  const links = await ipJson(ns, 'link');
  if (!links.some((l) => l.ifname === name)) await run(createArgv, { log });
}

async function ensureAddr(ns: string | undefined, ifname: string, cidr: string, log: string): Promise<void> {
  const nsArgs = ns ? ['-n', ns] : [];
  const links = await ipJson(ns, 'addr');
  if (!hasAddr(links.find((l) => l.ifname === ifname), cidr.split('/')[0]!)) await run(['ip', ...nsArgs, 'addr', 'add', cidr, 'dev', ifname], { log });
  await run(['ip', ...nsArgs, 'link', 'set', ifname, 'up'], { log });
}

async function apply(ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  const present = new Set(await listNetns());
  await ensureNamespace(SWITCH_NS, log, present);
  for (const net of networks) {
    // No multicast snooping: VRRP adverts (224.0.0.18) must reach every port.
    await ensureLink(SWITCH_NS, net.bridge, ['ip', '-n', SWITCH_NS, 'link', 'add', net.bridge, 'type', 'bridge', 'mcast_snooping', '0'], log);
    await run(['ip', '-n', SWITCH_NS, 'link', 'set', net.bridge, 'up'], { log });
  }
  for (const leg of harnessLegs) {
    const port = harnessPort(leg.ifname);
    await ensureLink(undefined, leg.ifname, ['ip', 'link', 'add', leg.ifname, 'type', 'veth', 'peer', 'name', port, 'netns', SWITCH_NS], log);
    await run(['ip', '-n', SWITCH_NS, 'link', 'set', port, 'master', bridgeOf(leg.network), 'up'], { log });
    await ensureAddr(undefined, leg.ifname, `${leg.address}/${prefixOf(leg.network)}`, log);
  }
  mkdirSync(labPaths.uts, { recursive: true });
  for (const n of nodes) {
    await ensureNamespace(n.name, log, present);
    for (const leg of n.legs) {
      const port = switchPort(n.name, leg.ifname);
      await ensureLink(n.name, leg.ifname, ['ip', '-n', SWITCH_NS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', leg.ifname, 'netns', n.name], log);
      await run(['ip', '-n', SWITCH_NS, 'link', 'set', port, 'master', bridgeOf(leg.network), 'up'], { log });
      await ensureAddr(n.name, leg.ifname, `${leg.address}/${prefixOf(leg.network)}`, log);
    }
    if (!utsMounted(n.name)) {
      // A persistent UTS namespace, bind-mounted on a file: `nsenter --uts=FILE`
      // (see onNode) gives every process of the node the node's hostname.
      writeFileSync(utsFile(n.name), '');
      await run(['unshare', `--uts=${utsFile(n.name)}`, 'hostname', n.name], { log });
    }
    writeIfChanged(join(labPaths.nodeEtc(n.name), 'hosts'), hostsFile(n));
    if (needsNonlocalBind(n)) await run(['ip', 'netns', 'exec', n.name, 'sysctl', '-qw', 'net.ipv4.ip_nonlocal_bind=1'], { log });
  }
  ctx.progress(`network: ${nodes.length} nodes, ${networks.length} bridges, harness on ${harnessLegs.map((l) => l.address).join(' + ')}`);
}

/**
 * Last step of teardown: anything still running in a lab namespace was started
 * by the lab (nothing else may live there), so it is stopped by PID; then the
 * namespaces, the harness legs, the UTS mounts and /etc/netns entries go.
 */
async function teardown(ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  const present = new Set(await listNetns());
  const ours = [...nodes.map((n) => n.name), SWITCH_NS].filter((ns) => present.has(ns));
  const leftovers = (await Promise.all(ours.map(async (ns) => (await netnsPids(ns)).map((pid) => ({ ns, pid }))))).flat();
  if (leftovers.length) {
    ctx.progress(`network: stopping ${leftovers.length} leftover process(es): ${leftovers.map((l) => `${l.ns}/${processName(l.pid)}[${l.pid}]`).join(' ')}`);
    const { killed } = await stopPids(leftovers.map((l) => l.pid));
    if (killed.length) ctx.progress(`network: SIGKILLed ${killed.join(' ')}`);
  }
  for (const leg of harnessLegs) await run(['ip', 'link', 'del', leg.ifname], { log, allowFail: true });
  for (const ns of ours) await run(['ip', 'netns', 'del', ns], { log });
  for (const n of nodes) {
    if (utsMounted(n.name)) await run(['umount', utsFile(n.name)], { log });
    rmSync(utsFile(n.name), { force: true });
    rmSync(labPaths.nodeEtc(n.name), { recursive: true, force: true });
  }
  if (existsSync('/etc/netns') && readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
}

async function status(): Promise<string[]> {
  const gaps = await missing();
  return gaps.length ? [`network: MISSING ${gaps.join(', ')}`] : [`network: ${nodes.length} nodes wired, harness legs ${harnessLegs.map((l) => l.address).join(', ')}`];
}

export const networkStep: LabStep = {
  name: 'network',
  async check(ctx) {
    const gaps = await missing();
    if (gaps.length) ctx.progress(`network: missing ${gaps.slice(0, 6).join(', ')}${gaps.length > 6 ? ` (+${gaps.length - 6})` : ''}`);
    return gaps.length === 0;
  },
  apply,
  teardown,
  status,
};
