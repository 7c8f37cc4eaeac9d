// Step "proxies": the trove-mgmt HAProxy nodes ha1 and ha2, built the way an
// operator builds them on a real cloud: `trove-ha provision` (lib/provision)
// through the lab cloud's APIs and SSH. It makes the networks, the security
// group, the ports (fixed IPs, each trove-mgmt VIP in allowed-address-pairs),
// the servers from image haproxy-node, pins their SSH host keys from their
// consoles, pushes haproxy.cfg and keepalived.conf, checks them on the node,
// starts the services, then lints the result. The lab only brings what an
// operator brings: the image, the keypair, the VRRP password, and each node's
// directories and toxiproxy config on the shared disk (lab/steps/proxy-image.ts).
// Done when a provisioning dry run changes nothing, the lint is clean, each
// trove-mgmt VIP has one holder, and every RabbitMQ backend is UP on both nodes.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvironment } from '../../lib/env/load.ts';
import type { Environment } from '../../lib/env/schema.ts';
import { isHttpError } from '../../lib/openstack/http-error.ts';
import type { KeystoneSession } from '../../lib/openstack/keystone.ts';
import { openSessions } from '../../lib/openstack/sessions.ts';
import { formatChange } from '../../lib/provision/change.ts';
import { describeFindings, failures, runProvision, summary, type ProvisionResult } from '../../lib/provision/run-provision.ts';
import { Remote } from '../../lib/remote/remote.ts';
import { ServiceControl } from '../../lib/topology/service-control.ts';
import type { LabStep, StepContext } from '../step.ts';
import { LAB_ENV_FILE, serviceInstance, statsSocket } from '../contract.ts';
import { labPaths } from '../paths.ts';
import { mgmtProxies, mgmtVips } from '../plan.ts';
import { ensureSecret } from '../secrets.ts';
import { waitFor } from '../sh.ts';
import { writeIfChanged } from '../service-kit.ts';
import { LAB_VMS_DIR } from './cloud.ts';
import { CLIENT_KEY } from './nodes.ts';
import { showStat } from './haproxy.ts';
import { vipGaps, vipHolders, type Vip } from './keepalived.ts';
import { PROXY_IMAGE, proxyLogDir, proxyRolePrograms, proxyRunDir, toxiproxyConfigFile } from './proxy-image.ts';
import { labProxies, toxiproxyConfigText, toxiproxyGaps, toxiproxyReset, toxiproxyStatus } from './toxiproxy.ts';

const VRRP_SECRET = 'vrrp-password';
/** keepalived's PASS authentication takes at most 8 characters. */
const VRRP_SECRET_LENGTH = 8;

const mgmtVipList: Vip[] = mgmtVips.map((v) => ({ name: v.network, address: v.address, ifname: v.ifname, instance: v.instance, routerId: v.routerId, holders: mgmtProxies.map((p) => p.name), master: v.master }));

function labEnv(): Environment {
  return loadEnvironment(LAB_ENV_FILE).env;
}

/** The network namespace of the running lab cloud VM whose hostname is `node` (vm-<server id>). */
export function proxyNamespace(node: string): string | undefined {
  if (!existsSync(LAB_VMS_DIR)) return undefined;
  for (const id of readdirSync(LAB_VMS_DIR)) {
    try {
      const m = JSON.parse(readFileSync(join(LAB_VMS_DIR, id, 'vm.json'), 'utf8')) as { hostname?: string; ns?: string; phase?: string };
      if (m.hostname === node && m.phase === 'running' && m.ns) return m.ns;
    } catch {
      // a VM being built or removed: not this one
    }
  }
  return undefined;
}

/** lab.yaml must name the log files the image's programs write. */
function checkContract(): void {
  for (const n of mgmtProxies) {
    for (const p of proxyRolePrograms()) {
      const want = p.log!.replace('{hostname}', n.name);
      const declared = serviceInstance(p.name, n.name).log;
      if (declared !== want) throw new Error(`${LAB_ENV_FILE}: services.${p.name}.instances.${n.name}.log must be ${want} (where image ${PROXY_IMAGE.name} writes it), not ${declared}`);
    }
  }
}

/** What an operator brings before provisioning: per-node directories and toxiproxy config, VRRP password. */
function prepareDisk(): void {
  for (const n of mgmtProxies) {
    for (const d of [proxyRunDir(n.name), proxyLogDir(n.name)]) mkdirSync(d, { recursive: true });
    writeIfChanged(toxiproxyConfigFile(n.name), toxiproxyConfigText());
  }
  ensureSecret(VRRP_SECRET, labPaths.secrets, VRRP_SECRET_LENGTH);
}

/** Image haproxy-node (role proxy) and keypair trove-ha (the lab's SSH key) in the lab cloud, for the admin user. */
async function ensureImageAndKeypair(env: Environment, admin: KeystoneSession, ctx: StepContext): Promise<void> {
  const p = env.provision!;
  const images = (await admin.request<{ images: { id: string; status: string }[] }>('image', 'GET', 'v2/images', { query: { name: p.servers.image } })).body.images;
  let image = images[0];
  if (!image) {
    image = (await admin.request<{ id: string; status: string }>('image', 'POST', 'v2/images', { json: { name: p.servers.image, disk_format: 'raw', container_format: 'bare', visibility: 'public', trove_role: PROXY_IMAGE.role } })).body;
    ctx.progress(`proxies: image ${p.servers.image} ${image.id} (role ${PROXY_IMAGE.role})`);
  }
  if (image.status !== 'active') {
    // Namespace micro-VMs boot no disk: a few bytes make the image active.
    await admin.request('image', 'PUT', `v2/images/${image.id}/file`, { body: Buffer.from('trove-ha-lab placeholder HAProxy node image\n'), headers: { 'content-type': 'application/octet-stream' } });
  }
  try {
    await admin.request('compute', 'GET', `os-keypairs/${encodeURIComponent(p.servers.keypair)}`);
  } catch (e) {
    if (!isHttpError(e, 404)) throw e;
    const publicKey = readFileSync(`${CLIENT_KEY}.pub`, 'utf8').trim();
    await admin.request('compute', 'POST', 'os-keypairs', { json: { keypair: { name: p.servers.keypair, public_key: publicKey } } });
    ctx.progress(`proxies: keypair ${p.servers.keypair} (the lab's SSH key)`);
  }
}

async function provision(dryRun: boolean, ctx?: StepContext): Promise<ProvisionResult> {
  const env = labEnv();
  const { admin } = openSessions(env);
  const remote = new Remote(env);
  try {
    if (!dryRun) await ensureImageAndKeypair(env, admin, ctx!);
    return await runProvision(env, admin, remote, new ServiceControl(env, remote), {
      dryRun,
      cloud: true,
      nodes: true,
      lint: true,
      // The cloud-init and the datastore are the trove step's (lab.yaml has no provision.trove).
      trove: false,
      ...(ctx ? { onPhase: (line: string) => ctx.progress(`proxies: ${line}`), onChange: (c) => c.action !== 'unchanged' && ctx.progress(`proxies: ${formatChange(c, dryRun)}`) } : {}),
    });
  } finally {
    await remote.close();
  }
}

async function backendGaps(): Promise<string[]> {
  const out: string[] = [];
  for (const n of mgmtProxies) {
    const rows = await showStat(statsSocket(n.name));
    if (!rows) {
      out.push(`${n.name}: HAProxy stats socket not answering`);
      continue;
    }
    for (const r of rows) if (r.proxy.startsWith('rabbitmq') && !['FRONTEND', 'BACKEND'].includes(r.server) && r.status !== 'UP') out.push(`${n.name}: ${r.proxy}/${r.server} ${r.status}`);
  }
  return out;
}

async function gaps(): Promise<string[]> {
  if (mgmtProxies.some((n) => !proxyNamespace(n.name))) return mgmtProxies.filter((n) => !proxyNamespace(n.name)).map((n) => `${n.name}: no running lab cloud server`);
  const plan = await provision(true);
  const out = plan.changes.filter((c) => c.action !== 'unchanged').map((c) => formatChange(c, true));
  out.push(...failures(plan.findings).map((f) => `lint ${f.check}: ${f.subject}`));
  if (out.length) return out;
  out.push(...(await vipGaps(mgmtVipList, proxyNamespace)), ...(await backendGaps()));
  for (const n of mgmtProxies) out.push(...(await toxiproxyGaps(n)));
  return out;
}

async function apply(ctx: StepContext): Promise<void> {
  checkContract();
  const t0 = Date.now();
  prepareDisk();
  const r = await provision(false, ctx);
  ctx.progress(`proxies: ${summary(r, false)}`);
  const bad = failures(r.findings);
  if (bad.length) throw new Error(`proxies: the lint of the provisioned topology fails:\n${describeFindings(bad)}`);
  if (r.counts.drift) throw new Error(`proxies: provisioning found drift it cannot fix: ${r.changes.filter((c) => c.action === 'drift').map((c) => formatChange(c, false)).join('; ')}`);
  // keepalived starts every instance in BACKUP and claims MASTER after ~3-4 s.
  // keepalived on the node provisioned second may claim every VIP first; the
  // MASTER preempts it back seconds later. Wait for that move here, not in the first test.
  const onMaster = async () => (await Promise.all(mgmtVipList.map(async (v) => (await vipHolders(v, proxyNamespace)).join('+') === v.master))).every(Boolean);
  const vrrpMs = await waitFor('each trove-mgmt VIP held by its MASTER alone', onMaster, 30_000, 200);
  await waitFor('every RabbitMQ backend UP in HAProxy on ha1 and ha2', async () => (await backendGaps()).length === 0, 30_000, 500);
  for (const n of mgmtProxies) await toxiproxyReset(n);
  const holders = await Promise.all(mgmtVipList.map(async (v) => `${v.address}@${(await vipHolders(v, proxyNamespace)).join('+')}`));
  ctx.progress(`proxies: VIPs ${holders.join(' ')}, toxiproxy ${labProxies.map((p) => p.name).join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s; VRRP ${(vrrpMs / 1000).toFixed(1)} s)`);
}

async function status(): Promise<string[]> {
  const lines: string[] = [];
  for (const n of mgmtProxies) lines.push(`server ${n.name}: ${proxyNamespace(n.name) ? `running in ${proxyNamespace(n.name)}` : 'NOT RUNNING'}`);
  for (const v of mgmtVipList) lines.push(`vip ${v.name} ${v.address}: held by ${(await vipHolders(v, proxyNamespace)).join(', ') || 'NOBODY'} (master ${v.master})`);
  for (const n of mgmtProxies) {
    const rows = await showStat(statsSocket(n.name));
    lines.push(rows ? `haproxy ${n.name}: ${rows.filter((r) => !['FRONTEND', 'BACKEND'].includes(r.server)).map((r) => `${r.proxy}/${r.server}=${r.status}`).join(' ')}` : `haproxy ${n.name}: stats socket not answering`);
    lines.push(await toxiproxyStatus(n));
  }
  return lines;
}

export const proxiesStep: LabStep = {
  name: 'proxies',
  async check(ctx) {
    const g = await gaps();
    if (g.length) ctx.progress(`proxies: ${g.slice(0, 6).join(', ')}${g.length > 6 ? ` (+${g.length - 6})` : ''}`);
    return g.length === 0;
  },
  apply,
  // The servers go with the lab cloud (its teardown removes every VM); the pinned host keys with them.
  async teardown() {},
  status,
};
