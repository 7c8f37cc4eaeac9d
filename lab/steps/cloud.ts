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
// `lab down`). The VM driver is the config's `vmDriver`: "null" by default (servers
// go ACTIVE, nothing boots); TROVE_HA_LAB_VM_DRIVER=namespace (or any name with a
// lab/cloud/vm/<name>-driver.ts) switches the lab to real micro-VMs, with options
// from TROVE_HA_LAB_VM_DRIVER_OPTIONS (JSON), see lab/cloud/vm-loader.ts. Changing
// either rewrites the config and restarts the program at the next `lab up`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { API_VIP, cloudNode, networks, primaryAddress } from '../plan.ts';
import { labPaths } from '../paths.ts';
import { ensureSecret } from '../secrets.ts';
import { waitFor } from '../sh.ts';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import { serviceInstance } from '../contract.ts';
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

/** VM driver of the lab cloud: TROVE_HA_LAB_VM_DRIVER, default "null". */
export function labVmDriver(): string {
  return process.env.TROVE_HA_LAB_VM_DRIVER?.trim() || 'null';
}

/** The driver's options: TROVE_HA_LAB_VM_DRIVER_OPTIONS (a JSON object), default {} (the driver's defaults). */
export function labVmDriverOptions(): Record<string, unknown> {
  const raw = process.env.TROVE_HA_LAB_VM_DRIVER_OPTIONS?.trim();
  if (!raw) return {};
  const v = JSON.parse(raw) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('TROVE_HA_LAB_VM_DRIVER_OPTIONS must be a JSON object');
  return v as Record<string, unknown>;
}

export function labCloudConfig(vmDriver = labVmDriver(), vmDriverOptions = labVmDriverOptions()): string {
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
