// Lab step "cloud": the lab cloud (lab/cloud/, the TypeScript Nova/Neutron/
// Glance/Cinder subset) as the supervisor program `lab-cloud` on its own lab node
// `cloud` (198.18.0.30), like any other service: reached over the admin network,
// stopped and started with supervisorctl over SSH.
//
// The step gives it a Keystone service user (`lab-cloud`, project `service`, role
// `service`: enough for Keystone's identity:validate_token, nothing more) and
// registers its four APIs in the catalog. That must happen before any Trove
// service starts: Trove caches token and catalog per process (recipe section 4).
//
// Its config and state live under /var/lib/trove-ha-lab/nodes/cloud (removed by
// `lab down`). The VM driver is the config's `vmDriver`: "namespace" by default,
// so a server (a Trove instance's included) is a real micro-VM on the lab-sw
// bridges (lab/cloud/vm/README.md) whose database role runs the lab guest agent
// (LAB_VM_OPTIONS: this project's node + tsx by absolute path). VMs live under
// /var/lib/trove-ha-lab/vms and in namespaces vm-<server id>; `lab down` removes
// them all (teardown below) before the network step deletes lab-sw.
// TROVE_HA_LAB_VM_DRIVER=null (servers go ACTIVE, nothing boots) or any name with
// a lab/cloud/vm/<name>-driver.ts switches drivers, TROVE_HA_LAB_VM_DRIVER_OPTIONS
// (JSON) overrides options (see lab/cloud/vm-loader.ts). Changing either rewrites
// the config and restarts the program at the next `lab up`.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { API_VIP, cloudNode, networks, primaryAddress, SWITCH_NS } from '../plan.ts';
import { LAB_DIR, labPaths } from '../paths.ts';
import { defaultGuestCommand, destroyAllVms } from '../cloud/vm/namespace-driver.ts';
import { ensureSecret } from '../secrets.ts';
import { startDetached, waitFor } from '../sh.ts';
import { isAlive, readPidFile, stopPids } from '../procs.ts';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import { serviceInstance } from '../contract.ts';
import { PROXY_IMAGE, proxyRole } from './proxy-image.ts';
import { convergeProgram, http, httpOk, labRuntime, shQuote, writeIfChanged } from '../service-kit.ts';
import { catalogProblems, getToken, keystoneCredentials, KeystoneAdmin, type CatalogEntry, type Credentials } from './keystone.ts';

export const LAB_CLOUD_SECRET = 'lab-cloud-password';
export const LAB_CLOUD_USER = 'lab-cloud';
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGION = 'RegionOne';
const IDENTITY_URL = `http://${API_VIP}:5000/v3`;
const tenantLayout = { secretsDir: labPaths.secrets, tenant: { user: 'trove-ha-tenant', project: 'trove-ha-tenant' } };

export const cloudLayout = {
  node: cloudNode.name,
  address: primaryAddress(cloudNode),
  ports: { compute: 8774, network: 9696, image: 9292, volume: 8776 },
  dir: labPaths.node(cloudNode.name),
  configFile: join(labPaths.node(cloudNode.name), 'lab-cloud.yaml'),
  stateDir: join(labPaths.node(cloudNode.name), 'state'),
  requestLog: join(labPaths.nodeLog(cloudNode.name), 'lab-cloud-requests.log'),
};

/** The admin network must hold the lab cloud's address (a plan edit that forgot it fails here, not at run time). */
if (!networks.some((n) => n.name === cloudNode.legs[0]!.network)) throw new Error('lab plan: the cloud node is on no known network');

export function labCloudUrls(host = cloudLayout.address) {
  const p = cloudLayout.ports;
  return {
    compute: `http://${host}:${p.compute}/v2.1`,
    network: `http://${host}:${p.network}`,
    image: `http://${host}:${p.image}`,
    volumev3: `http://${host}:${p.volume}/v3/%(project_id)s`,
  };
}

export function labCloudCatalog(): CatalogEntry[] {
  const u = labCloudUrls();
  const all = (url: string) => (['public', 'internal', 'admin'] as const).map((i) => ({ interface: i, url }));
  return [
    { type: 'compute', name: 'nova', description: 'Lab cloud: Compute subset', endpoints: all(u.compute) },
    { type: 'network', name: 'neutron', description: 'Lab cloud: Networking subset', endpoints: all(u.network) },
    { type: 'image', name: 'glance', description: 'Lab cloud: Image subset', endpoints: all(u.image) },
    { type: 'volumev3', name: 'cinderv3', description: 'Lab cloud: Block Storage subset', endpoints: all(u.volumev3) },
  ];
}

/** VM driver of the lab cloud: TROVE_HA_LAB_VM_DRIVER, default "namespace" (micro-VMs). */
export function labVmDriver(): string {
  return process.env.TROVE_HA_LAB_VM_DRIVER?.trim() || 'namespace';
}

/** Where the lab's micro-VMs live: <LAB_VMS_DIR>/<server id>, namespace <LAB_VM_PREFIX><server id>. */
export const LAB_VMS_DIR = join(LAB_DIR, 'vms');
export const LAB_VM_PREFIX = 'vm-';

/**
 * The namespace driver's options in the lab (lab/cloud/vm/options.ts): the lab's
 * switch and a VM directory of its own; the guest agent as this checkout's
 * node + tsx loader + lab/guest/main.ts by absolute path (a VM sees the host's
 * files apart from its /etc entries, so the project is there; its root is
 * computed from this module's path).
 */
export const LAB_VM_OPTIONS = {
  switchNamespace: SWITCH_NS,
  namespacePrefix: LAB_VM_PREFIX,
  dir: LAB_VMS_DIR,
  guestCommand: defaultGuestCommand(PROJECT_ROOT),
  guestDirectory: PROJECT_ROOT,
  // The HAProxy node image (lab/steps/proxy-image.ts): ha1/ha2 boot it.
  roles: { [PROXY_IMAGE.role]: proxyRole() },
} as const;

/**
 * The host-namespace anchor. The lab cloud runs on node `cloud`, i.e. in a
 * private mount namespace (`ip netns exec`): a VM namespace it made there with
 * `ip netns add` would exist for it alone, invisible to `ip netns` anywhere else
 * (lab down, the tests). Its driver must run its plumbing in the host's mount and
 * network namespaces; on this machine /proc/1/ns cannot be opened, even by root,
 * so PID 1 cannot be entered. The cloud step therefore keeps one `sleep` of the
 * lab's in the host's namespaces (pid file below; stopped by PID at teardown),
 * and the driver enters them through it (hostNamespaces: pid:<anchor>).
 */
const ANCHOR_PID_FILE = join(labPaths.nodeRun(cloudNode.name), 'host-namespaces-anchor.pid');
const ANCHOR_NAME = `trove-ha-lab-host-namespaces-anchor ${LAB_DIR}`;

/** The anchor's PID while it runs (checked by its command line: a recycled PID is not it). */
export function hostAnchorPid(): number | undefined {
  const pid = readPidFile(ANCHOR_PID_FILE);
  if (!isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(ANCHOR_NAME) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function ensureHostAnchor(): Promise<number> {
  const running = hostAnchorPid();
  if (running) return running;
  // `lab up` runs in the host's namespaces: so does what it starts here.
  const pid = startDetached(['bash', '-c', 'exec -a "$0" sleep infinity', ANCHOR_NAME], join(labPaths.logs, 'host-namespaces-anchor.log'));
  mkdirSync(dirname(ANCHOR_PID_FILE), { recursive: true });
  writeFileSync(ANCHOR_PID_FILE, `${pid}\n`);
  // Until its exec, the process is still the starting bash.
  await waitFor('the host-namespaces anchor (sleep)', async () => hostAnchorPid() === pid, 5_000, 20);
  return pid;
}

async function stopHostAnchor(): Promise<void> {
  const pid = hostAnchorPid();
  if (pid) await stopPids([pid], 5_000);
  rmSync(ANCHOR_PID_FILE, { force: true });
}

/** The driver's options: the lab's (namespace driver) with TROVE_HA_LAB_VM_DRIVER_OPTIONS (a JSON object) over them. */
export function labVmDriverOptions(driver = labVmDriver()): Record<string, unknown> {
  const anchor = hostAnchorPid();
  const base: Record<string, unknown> = driver === 'namespace' ? { ...LAB_VM_OPTIONS, hostNamespaces: anchor ? `pid:${anchor}` : 'auto' } : {};
  const raw = process.env.TROVE_HA_LAB_VM_DRIVER_OPTIONS?.trim();
  if (!raw) return base;
  const v = JSON.parse(raw) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('TROVE_HA_LAB_VM_DRIVER_OPTIONS must be a JSON object');
  return { ...base, ...(v as Record<string, unknown>) };
}

export function labCloudConfig(vmDriver = labVmDriver(), vmDriverOptions = labVmDriverOptions(vmDriver)): string {
  const config = {
    host: cloudLayout.address,
    ports: cloudLayout.ports,
    stateDir: cloudLayout.stateDir,
    logFile: cloudLayout.requestLog,
    region: REGION,
    keepImageData: false,
    computeHost: 'lab-cloud',
    vmDriver,
    vmDriverOptions,
    keystone: {
      authUrl: IDENTITY_URL,
      username: LAB_CLOUD_USER,
      passwordFile: join(labPaths.secrets, LAB_CLOUD_SECRET),
      projectName: 'service',
      userDomainName: 'Default',
      projectDomainName: 'Default',
      cacheSeconds: 120,
    },
  };
  return `# Lab cloud of trove-ha-lab (written by lab/steps/cloud.ts; edits are overwritten).\n${stringify(config)}`;
}

export function labCloudProgram(): ProgramSpec {
  const inst = serviceInstance('lab-cloud', cloudLayout.node);
  // node + tsx's loader in one process (the `tsx` CLI would add a second one that
  // relays signals); cwd = the project, where `tsx` resolves.
  const argv = [process.execPath, '--import', 'tsx', join(PROJECT_ROOT, 'lab/cloud/main.ts'), '--config', cloudLayout.configFile];
  return {
    name: inst.unit,
    command: argv.map(shQuote).join(' '),
    directory: PROJECT_ROOT,
    environment: { NODE_ENV: 'production' },
    stopSignal: 'TERM',
    stopWaitSecs: 10,
    logFile: inst.log,
  };
}

const discoveryUrl = () => `http://${cloudLayout.address}:${cloudLayout.ports.compute}/`;
const labCloudCredentials = (): Credentials => ({ username: LAB_CLOUD_USER, password: ensureSecret(LAB_CLOUD_SECRET), project: 'service' });

async function problems(): Promise<string[]> {
  const out: string[] = [];
  const inst = serviceInstance('lab-cloud', cloudLayout.node);
  const state = await labRuntime.programStatus(cloudLayout.node, inst.unit);
  if (state !== 'RUNNING') out.push(`lab-cloud program ${state}`);
  if (!existsSync(cloudLayout.configFile) || readFileSync(cloudLayout.configFile, 'utf8') !== labCloudConfig()) out.push('lab-cloud config');
  if (out.length) return out;
  if (!(await httpOk(discoveryUrl()))) out.push(`GET ${discoveryUrl()} fails`);
  const me = await getToken(IDENTITY_URL, labCloudCredentials()).catch(() => undefined);
  if (!me) out.push(`Keystone user ${LAB_CLOUD_USER}: no token`);
  const tenant = await getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'tenant')).catch(() => undefined);
  if (!tenant) out.push('tenant: no token');
  else out.push(...catalogProblems(tenant, labCloudCatalog(), REGION));
  return out;
}

async function apply(ctx: StepContext): Promise<void> {
  const t0 = Date.now();
  const password = ensureSecret(LAB_CLOUD_SECRET);
  const admin = await getToken(IDENTITY_URL, keystoneCredentials(tenantLayout, 'admin'));
  if (!admin) throw new Error('cloud: the Keystone admin gets no token (is the keystone step done?)');
  const ks = new KeystoneAdmin(IDENTITY_URL, admin.id, (line) => ctx.progress(line));
  // The program and its Keystone objects at the same time: the lab cloud logs in
  // only when the first request needs a token validated.
  const keystoneObjects = (async () => {
    const [service, serviceRole] = await Promise.all([ks.project('service', 'Service users'), ks.role('service')]);
    const user = await ks.user(LAB_CLOUD_USER, password, service, async () => !!(await getToken(IDENTITY_URL, labCloudCredentials()).catch(() => undefined)));
    await ks.grant(service, user, serviceRole);
    // The catalog is complete when this step ends: whatever starts later (Trove) reads all of it.
    await Promise.all(labCloudCatalog().map((entry) => ks.service(entry, REGION)));
  })();
  const program = (async () => {
    if (labVmDriver() === 'namespace') await ensureHostAnchor();
    const changed = writeIfChanged(cloudLayout.configFile, labCloudConfig(), 0o600);
    const did = await convergeProgram(labRuntime, cloudLayout.node, labCloudProgram(), changed, ctx.logFile);
    const ms = await waitFor(`lab cloud at ${discoveryUrl()} (log ${serviceInstance('lab-cloud', cloudLayout.node).log})`, () => httpOk(discoveryUrl()), 60_000, 100);
    return { did, ms };
  })();
  const [, { did, ms }] = await Promise.all([keystoneObjects, program]);
  ctx.progress(`cloud: lab-cloud ${did}, answering after ${(ms / 1000).toFixed(1)} s (driver ${labVmDriver()}; step ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

export const cloudStep: LabStep = {
  name: 'cloud',
  async check(ctx) {
    const p = await problems();
    if (p.length) ctx.progress(`cloud: ${p.slice(0, 5).join(', ')}`);
    return p.length === 0;
  },
  apply,
  async teardown(ctx) {
    const inst = serviceInstance('lab-cloud', cloudLayout.node);
    await labRuntime.stopProgram(cloudLayout.node, inst.unit, ctx.logFile).catch((e: Error) => ctx.progress(`cloud: stop: ${e.message}`));
    // The VMs outlive the lab cloud (detached, by design: a restart re-adopts
    // them). With it stopped nothing boots any more: remove every VM as a server
    // delete would (processes by PID, veths, namespace, /etc/netns entry, VM
    // directory), before the network step deletes the switch namespace. Done
    // whatever the configured driver: a VM of an earlier configuration goes too.
    const t0 = Date.now();
    const opts = { ...LAB_VM_OPTIONS, ...labVmDriverOptions('namespace') } as typeof LAB_VM_OPTIONS;
    // `lab down` runs in the host's namespaces itself.
    const lines = await destroyAllVms({ vmsDir: opts.dir, namespacePrefix: opts.namespacePrefix, switchNamespace: opts.switchNamespace, hostNamespaces: 'self' });
    await stopHostAnchor();
    for (const l of lines) appendFileSync(ctx.logFile, `${l}\n`);
    if (lines.length) ctx.progress(`cloud: ${lines.filter((l) => /destroyed|namespace/.test(l)).length} VM(s) removed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // Config and state are under nodes/cloud, which lab down removes; Keystone's
    // objects go with the keystone database.
  },
  async status() {
    const inst = serviceInstance('lab-cloud', cloudLayout.node);
    const state = await labRuntime.programStatus(cloudLayout.node, inst.unit).catch(() => 'unknown');
    const t0 = Date.now();
    const r = await http(discoveryUrl(), { timeoutMs: 3_000 });
    return [`lab-cloud ${cloudLayout.node}: ${state}, GET ${discoveryUrl()} ${r.status || 'unreachable'} (${Date.now() - t0} ms), driver ${labVmDriver()}`];
  },
};
