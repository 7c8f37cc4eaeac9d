// Lab step: Swift with Keystone auth.
//
// Every controller runs a proxy (supervisor program `swift-proxy`, bound to its
// admin address :8080; HAProxy forwards VIP:8080) with a node-local memcached
// (program `memcached`) and a storage set: account, container and object servers
// (programs `swift-account`, `swift-container`, `swift-object`) on one directory
// device. The rings (built once into the lab state directory, copied to every
// node) keep 3 replicas, one per controller.
//
// Placement (measured on loopback, 2 vCPU): a storage server is a ~61 MiB RSS
// (47 MiB USS) Python process, so a set per controller costs ~550 MiB, against
// ~366 for two sets and ~183 for one. One set (ctl1, 1 replica) makes ctl1 a
// single point of failure for every Swift request. Two sets with 2 replicas were
// tried: with one storage node down, reads of stored objects work but a HEAD of
// an object that does not exist yet answers 503 instead of 404 (one 404 and one
// error is no quorum, and a 2-device ring has no handoffs), so `swift upload`
// and any client that checks before it writes fail. With 3 replicas one node
// down still leaves a 2-of-3 quorum for every answer. A controller fault must
// not fail Trove backups for a reason that is not Trove's, so 3 x 3 it is.
//
// Every server runs in the foreground as a single process (`workers = 0`),
// logging to stderr (`-v`), which supervisor writes to the node's log directory.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { API_VIP, controllers, primaryAddress } from '../plan.ts';
import { labPaths } from '../paths.ts';
import { ensureSecret } from '../secrets.ts';
import { run, waitFor } from '../sh.ts';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import {
  convergeProgram,
  guardedCommand,
  http,
  httpOk,
  labRuntime,
  markerLine,
  shQuote,
  writeIfChanged,
  type EtcDir,
  type NodeAddr,
  type NodeRuntime,
} from '../service-kit.ts';
import { getToken, keystoneCredentials, SECRET, type Token } from './keystone.ts';

export type StorageKind = 'account' | 'container' | 'object';
export const STORAGE_KINDS: StorageKind[] = ['account', 'container', 'object'];

export const PROGRAM = {
  proxy: 'swift-proxy',
  memcached: 'memcached',
  account: 'swift-account',
  container: 'swift-container',
  object: 'swift-object',
} as const;

export interface SwiftPorts {
  proxy: number;
  memcached: number;
  account: number;
  container: number;
  object: number;
}

export interface SwiftLayout {
  proxyNodes: NodeAddr[];
  storageNodes: NodeAddr[];
  replicas: number;
  partPower: number;
  ports: SwiftPorts;
  /** Device name under devicesDir(node). */
  device: string;
  devicesDir(node: string): string;
  etc(node: string): EtcDir;
  logFile(node: string, program: string): string;
  /** Rings and builder files. */
  stateDir: string;
  secretsDir: string;
  /** Keystone as clients use it (…/v3) and its auth root for keystonemiddleware. */
  identityUrl: string;
  authUrl: string;
  /** Swift as clients reach it (lab: the API VIP), for health checks. */
  proxyUrl: string;
  tenant: { user: string; project: string };
  operatorRoles: string[];
  memcachedUser: string;
  runtime: NodeRuntime;
}

export function labSwiftLayout(): SwiftLayout {
  const ctl = controllers.map((n) => ({ name: n.name, address: primaryAddress(n) }));
  return {
    proxyNodes: ctl,
    storageNodes: ctl,
    replicas: 3,
    partPower: 8,
    ports: { proxy: 8080, memcached: 11211, account: 6202, container: 6201, object: 6200 },
    device: 'd1',
    devicesDir: (node) => join(labPaths.node(node), 'srv', 'node'),
    etc: (node) => ({ node: '/etc/swift', host: join(labPaths.nodeEtc(node), 'swift') }),
    logFile: (node, program) => join(labPaths.nodeLog(node), `${program}.log`),
    stateDir: join(labPaths.root, 'swift'),
    secretsDir: labPaths.secrets,
    identityUrl: `http://${API_VIP}:5000/v3`,
    authUrl: `http://${API_VIP}:5000`,
    proxyUrl: `http://${API_VIP}:8080`,
    tenant: { user: 'trove-ha-tenant', project: 'trove-ha-tenant' },
    operatorRoles: ['admin', 'member'],
    memcachedUser: 'memcache',
    runtime: labRuntime,
  };
}

// ---------------------------------------------------------------- pure generators

export function swiftConf(o: { marker: string; hashPrefix: string; hashSuffix: string }): string {
  return `${o.marker}
[swift-hash]
swift_hash_path_prefix = ${o.hashPrefix}
swift_hash_path_suffix = ${o.hashSuffix}

[storage-policy:0]
name = Policy-0
default = yes
`;
}

export interface ProxyConfInput {
  marker: string;
  bindIp: string;
  port: number;
  swiftDir: string;
  memcacheServers: string[];
  authUrl: string;
  servicePassword: string;
  operatorRoles: string[];
}

export function proxyServerConf(c: ProxyConfInput): string {
  return `${c.marker}
[DEFAULT]
bind_ip = ${c.bindIp}
bind_port = ${c.port}
# one process in the foreground, under supervisor
workers = 0
user = root
swift_dir = ${c.swiftDir}
log_name = proxy-server
log_level = INFO

[pipeline:main]
# Spelled out in full: swift otherwise inserts listing_formats, copy, dlo and
# versioned_writes itself and logs "Pipeline was modified" at every start.
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats authtoken keystoneauth copy dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes

[filter:cache]
use = egg:swift#memcache
memcache_servers = ${c.memcacheServers.join(',')}

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = ${c.authUrl}
auth_url = ${c.authUrl}
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = service
username = swift
password = ${c.servicePassword}
delay_auth_decision = true
cache = swift.cache
include_service_catalog = false
service_token_roles_required = true

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = ${c.operatorRoles.join(', ')}
reseller_prefix = AUTH_
`;
}

export interface StorageConfInput {
  marker: string;
  kind: StorageKind;
  bindIp: string;
  port: number;
  swiftDir: string;
  devices: string;
}

export function storageServerConf(c: StorageConfInput): string {
  return `${c.marker}
[DEFAULT]
bind_ip = ${c.bindIp}
bind_port = ${c.port}
workers = 0
user = root
swift_dir = ${c.swiftDir}
devices = ${c.devices}
# devices are plain directories
mount_check = false
log_name = ${c.kind}-server
log_level = INFO

[pipeline:main]
pipeline = healthcheck ${c.kind}-server

[app:${c.kind}-server]
use = egg:swift#${c.kind}

[filter:healthcheck]
use = egg:swift#healthcheck
`;
}

export interface RingDevice {
  region: number;
  zone: number;
  ip: string;
  port: number;
  device: string;
  weight: number;
}

export interface RingSpec {
  partPower: number;
  replicas: number;
  minPartHours: number;
  devices: Record<StorageKind, RingDevice[]>;
}

export function ringSpec(l: Pick<SwiftLayout, 'storageNodes' | 'replicas' | 'partPower' | 'ports' | 'device'>): RingSpec {
  if (l.replicas > l.storageNodes.length) throw new Error(`swift: ${l.replicas} replicas need at least as many storage nodes (have ${l.storageNodes.length})`);
  const devs = (kind: StorageKind) =>
    l.storageNodes.map((n, i) => ({ region: 1, zone: i + 1, ip: n.address, port: l.ports[kind], device: l.device, weight: 100 }));
  return {
    partPower: l.partPower,
    replicas: l.replicas,
    minPartHours: 1,
    devices: { account: devs('account'), container: devs('container'), object: devs('object') },
  };
}

/** swift-ring-builder invocations that build <dir>/<kind>.builder and <kind>.ring.gz from nothing. */
export function ringBuildCommands(spec: RingSpec, dir: string, kind: StorageKind): string[][] {
  const builder = join(dir, `${kind}.builder`);
  return [
    ['swift-ring-builder', builder, 'create', String(spec.partPower), String(spec.replicas), String(spec.minPartHours)],
    ...spec.devices[kind].map((d) => [
      'swift-ring-builder', builder, 'add',
      '--region', String(d.region), '--zone', String(d.zone), '--ip', d.ip, '--port', String(d.port),
      '--device', d.device, '--weight', String(d.weight),
    ]),
    ['swift-ring-builder', builder, 'rebalance'],
  ];
}

export function memcachedArgv(o: { address: string; port: number; user: string }): string[] {
  // -U 0: no UDP; -m: cache cap in MiB (the lab caches only tokens and account/container info)
  return ['memcached', '-u', o.user, '-l', o.address, '-p', String(o.port), '-U', '0', '-m', '16', '-c', '1024'];
}

export function swiftPrograms(l: SwiftLayout, node: NodeAddr): ProgramSpec[] {
  const etc = l.etc(node.name).node;
  const marker = markerLine('swift', node.name);
  const env = { PYTHONUNBUFFERED: '1' };
  const server = (program: string, bin: string, conf: string): ProgramSpec => ({
    name: program,
    command: guardedCommand(join(etc, conf), marker, [bin, join(etc, conf), '-v']),
    environment: env,
    stopSignal: 'TERM',
    stopWaitSecs: 10,
    logFile: l.logFile(node.name, program),
  });
  const out: ProgramSpec[] = [];
  if (l.storageNodes.some((n) => n.name === node.name)) {
    for (const kind of STORAGE_KINDS) out.push(server(PROGRAM[kind], `swift-${kind}-server`, `${kind}-server.conf`));
  }
  if (l.proxyNodes.some((n) => n.name === node.name)) {
    out.push({
      name: PROGRAM.memcached,
      command: memcachedArgv({ address: node.address, port: l.ports.memcached, user: l.memcachedUser }).map(shQuote).join(' '),
      stopSignal: 'TERM',
      stopWaitSecs: 5,
      logFile: l.logFile(node.name, PROGRAM.memcached),
    });
    out.push(server(PROGRAM.proxy, 'swift-proxy-server', 'proxy-server.conf'));
  }
  return out;
}

// ---------------------------------------------------------------- the step

function allNodes(l: SwiftLayout): NodeAddr[] {
  const seen = new Map<string, NodeAddr>();
  for (const n of [...l.storageNodes, ...l.proxyNodes]) seen.set(n.name, n);
  return [...seen.values()];
}

function tcpOk(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

/** Ready probe per program, as [description, probe]. */
function probesFor(l: SwiftLayout, node: NodeAddr, program: string): [string, () => Promise<boolean>] {
  if (program === PROGRAM.memcached) return [`memcached ${node.address}:${l.ports.memcached}`, () => tcpOk(node.address, l.ports.memcached)];
  const port = program === PROGRAM.proxy ? l.ports.proxy : l.ports[program.replace('swift-', '') as StorageKind];
  const url = `http://${node.address}:${port}/healthcheck`;
  return [`${program} on ${node.name} (GET ${url}; log ${l.logFile(node.name, program)})`, () => httpOk(url)];
}

async function ensureRings(l: SwiftLayout, ctx: StepContext): Promise<boolean> {
  const spec = ringSpec(l);
  const specFile = join(l.stateDir, 'ring-spec.json');
  const specText = `${JSON.stringify(spec, null, 2)}\n`;
  const complete = STORAGE_KINDS.every((k) => existsSync(join(l.stateDir, `${k}.ring.gz`)));
  if (complete && existsSync(specFile) && readFileSync(specFile, 'utf8') === specText) return false;
  mkdirSync(l.stateDir, { recursive: true, mode: 0o700 });
  rmSync(specFile, { force: true }); // written last: a half-built ring set is rebuilt next time
  for (const kind of STORAGE_KINDS) {
    for (const f of [`${kind}.builder`, `${kind}.ring.gz`]) rmSync(join(l.stateDir, f), { force: true });
    rmSync(join(l.stateDir, 'backups'), { recursive: true, force: true });
    for (const argv of ringBuildCommands(spec, l.stateDir, kind)) {
      const r = await run(argv, { log: ctx.logFile, allowFail: true });
      // swift-ring-builder: 0 = done, 1 = done with warnings, 2 = error
      if (r.code > 1) throw new Error(`swift: ${argv.join(' ')} failed (exit ${r.code}); see ${ctx.logFile}`);
    }
  }
  writeFileSync(specFile, specText);
  ctx.progress(`swift: rings built (${spec.replicas} replicas, 2^${spec.partPower} partitions, ${l.storageNodes.length} devices)`);
  return true;
}

interface SwiftSecrets {
  hashPrefix: string;
  hashSuffix: string;
  service: string;
}

/** Writes a node's files; returns the names of those that changed. */
function writeNodeFiles(l: SwiftLayout, n: NodeAddr, s: SwiftSecrets): Set<string> {
  const etc = l.etc(n.name);
  if (etc.node !== etc.host && !existsSync(etc.node)) mkdirSync(etc.node, { recursive: true, mode: 0o755 });
  mkdirSync(etc.host, { recursive: true, mode: 0o755 });
  const marker = markerLine('swift', n.name);
  const changed = new Set<string>();
  const write = (name: string, content: string | Buffer, mode: number) => {
    if (writeIfChanged(join(etc.host, name), content, mode)) changed.add(name);
  };
  write('swift.conf', swiftConf({ marker, hashPrefix: s.hashPrefix, hashSuffix: s.hashSuffix }), 0o600);
  for (const kind of STORAGE_KINDS) write(`${kind}.ring.gz`, readFileSync(join(l.stateDir, `${kind}.ring.gz`)), 0o644);
  if (l.storageNodes.some((x) => x.name === n.name)) {
    mkdirSync(join(l.devicesDir(n.name), l.device), { recursive: true });
    for (const kind of STORAGE_KINDS) {
      const conf = storageServerConf({ marker, kind, bindIp: n.address, port: l.ports[kind], swiftDir: etc.node, devices: l.devicesDir(n.name) });
      write(`${kind}-server.conf`, conf, 0o644);
    }
  }
  if (l.proxyNodes.some((x) => x.name === n.name)) {
    const conf = proxyServerConf({
      marker,
      bindIp: n.address,
      port: l.ports.proxy,
      swiftDir: etc.node,
      memcacheServers: [`${n.address}:${l.ports.memcached}`],
      authUrl: l.authUrl,
      servicePassword: s.service,
      operatorRoles: l.operatorRoles,
    });
    write('proxy-server.conf', conf, 0o600);
  }
  return changed;
}

/** Does a change of these files call for restarting this program? */
export function needsRestart(program: string, changedFiles: Set<string>): boolean {
  if (program === PROGRAM.memcached) return false;
  const own = program === PROGRAM.proxy ? 'proxy-server.conf' : `${program.replace('swift-', '')}-server.conf`;
  return [...changedFiles].some((f) => f === own || f === 'swift.conf' || f.endsWith('.ring.gz'));
}

function storageUrl(tok: Token): string {
  const svc = tok.catalog.find((c) => c.type === 'object-store');
  const ep = svc?.endpoints.find((e) => e.interface === 'public');
  if (!ep) throw new Error('swift: no public object-store endpoint in the tenant token catalog');
  return ep.url;
}

export function swiftStep(l: SwiftLayout): LabStep {
  const rt = l.runtime;

  async function tenantToken(): Promise<Token> {
    const tok = await getToken(l.identityUrl, keystoneCredentials(l, 'tenant'));
    if (!tok) throw new Error(`swift: tenant ${l.tenant.user} cannot get a token at ${l.identityUrl} (run the keystone step first)`);
    return tok;
  }

  async function problems(): Promise<string[]> {
    const out: string[] = [];
    for (const n of allNodes(l)) {
      for (const p of swiftPrograms(l, n)) {
        const [what, probe] = probesFor(l, n, p.name);
        if (!(await probe())) out.push(`${what} fails`);
      }
    }
    if (out.length) return out;
    if (!(await httpOk(`${l.proxyUrl}/healthcheck`))) return [`GET ${l.proxyUrl}/healthcheck fails`];
    try {
      const tok = await tenantToken();
      // 30 s: the account HEAD goes through keystonemiddleware to Keystone, and
      // while the trove step starts nine daemons beside it on two cores it took
      // over 10 s (lab up, 2026-12-06), which failed the one-shot check after apply.
      const r = await http(storageUrl(tok), { method: 'HEAD', headers: { 'x-auth-token': tok.id }, timeoutMs: 30_000 });
      if (r.status !== 204 && r.status !== 200) out.push(`HEAD tenant account ${storageUrl(tok)}: ${r.status ? `HTTP ${r.status}` : `unreachable (${r.error})`}`);
    } catch (e) {
      out.push((e as Error).message);
    }
    return out;
  }

  const SELFTEST_ATTEMPTS = 3;

  /** Write, read back and delete one object as the tenant; leaves nothing behind. */
  async function roundTrip(ctx: StepContext): Promise<void> {
    const tok = await tenantToken();
    const base = `${storageUrl(tok)}/trove-ha-lab-selftest`;
    const h = { 'x-auth-token': tok.id };
    const payload = `trove-ha-lab swift self-test ${new Date().toISOString()}\n`;
    // Each call is idempotent (PUT of the same bytes, GET, DELETE that may find
    // it gone): one lost to a slow first request of a freshly started proxy on a
    // loaded machine is retried, at most SELFTEST_ATTEMPTS times.
    const call = async (what: string, url: string, init: RequestInit, ok: number[]) => {
      let r = await http(url, { ...init, timeoutMs: 20_000 });
      for (let attempt = 2; r.status === 0 && attempt <= SELFTEST_ATTEMPTS; attempt++) {
        ctx.progress(`swift: self-test ${what}: ${r.error}; again (attempt ${attempt} of ${SELFTEST_ATTEMPTS})`);
        r = await http(url, { ...init, timeoutMs: 20_000 });
      }
      if (!ok.includes(r.status)) throw new Error(`swift self-test: ${what}: ${r.status ? `HTTP ${r.status}` : `unreachable (${r.error})`}`);
      return r;
    };
    await call('PUT container', base, { method: 'PUT', headers: h }, [201, 202]);
    await call('PUT object', `${base}/probe.txt`, { method: 'PUT', headers: h, body: payload }, [201]);
    const got = await call('GET object', `${base}/probe.txt`, { headers: h }, [200]);
    if (got.body !== payload) throw new Error('swift self-test: object read back differs from what was written');
    await call('DELETE object', `${base}/probe.txt`, { method: 'DELETE', headers: h }, [204, 404]);
    await call('DELETE container', base, { method: 'DELETE', headers: h }, [204, 404]);
    ctx.progress('swift: tenant write/read/delete round trip ok');
  }

  return {
    name: 'swift',

    async check(ctx) {
      // Named in the progress, like every step's gaps: a check that fails after apply must say what.
      const p = await problems();
      if (p.length) ctx.progress(`swift: ${p.slice(0, 4).join(', ')}${p.length > 4 ? ` (+${p.length - 4})` : ''}`);
      return p.length === 0;
    },

    async apply(ctx) {
      const s: SwiftSecrets = {
        hashPrefix: ensureSecret('swift-hash-path-prefix', l.secretsDir),
        hashSuffix: ensureSecret('swift-hash-path-suffix', l.secretsDir),
        service: ensureSecret(SECRET.swiftService, l.secretsDir),
      };
      await ensureRings(l, ctx);
      const nodes = allNodes(l);
      const changed = new Map(nodes.map((n) => [n.name, writeNodeFiles(l, n, s)]));
      const t0 = Date.now();
      let acted = false;
      // storage first, then memcached and proxies
      const order = (p: ProgramSpec) => (p.name === PROGRAM.proxy ? 2 : p.name === PROGRAM.memcached ? 1 : 0);
      const work = nodes.flatMap((n) => swiftPrograms(l, n).map((p) => ({ n, p }))).sort((a, b) => order(a.p) - order(b.p));
      // Tier by tier; within a tier the nodes in parallel (each has its own
      // supervisord), programs of one node one after another.
      for (const tier of [0, 1, 2]) {
        await Promise.all(
          nodes.map(async (n) => {
            for (const { p } of work.filter((w) => w.n === n && order(w.p) === tier)) {
              const did = await convergeProgram(rt, n.name, p, needsRestart(p.name, changed.get(n.name)!), ctx.logFile);
              if (did !== 'unchanged') {
                acted = true;
                ctx.progress(`swift: ${n.name} ${p.name} ${did}`);
              }
            }
          }),
        );
      }
      for (const { n, p } of work) {
        const [what, probe] = probesFor(l, n, p.name);
        await waitFor(what, probe, 60_000);
      }
      await waitFor(`swift at ${l.proxyUrl}/healthcheck`, () => httpOk(`${l.proxyUrl}/healthcheck`), 60_000);
      if (acted) {
        ctx.progress(`swift: ${work.length} programs answer (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        await roundTrip(ctx); // only after a change: a converged apply writes nothing
      }
      // The first account HEAD of a fresh proxy can take more than its 30 s
      // bound on a loaded machine: healthy is waited for (bounded), not sampled once.
      let left: string[] = [];
      const start = Date.now();
      while ((left = await problems()).length && Date.now() - start < 60_000) {
        ctx.progress(`swift: not healthy yet (${left[0]}); checking again`);
        await new Promise((r) => setTimeout(r, 2000));
      }
      if (left.length) throw new Error(`swift: not healthy 60 s after apply:\n  ${left.join('\n  ')}`);
    },

    async teardown(ctx) {
      for (const n of allNodes(l)) {
        for (const p of swiftPrograms(l, n).reverse()) {
          await rt.stopProgram(n.name, p.name, ctx.logFile).catch((e: Error) => ctx.progress(`swift: ${n.name} ${p.name}: stop: ${e.message}`));
        }
        // Empty, never remove: the directory is a bind-mount source (and /etc/swift itself is the host's).
        const dir = l.etc(n.name).host;
        if (dir !== '/etc/swift' && existsSync(dir)) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
        rmSync(l.devicesDir(n.name), { recursive: true, force: true });
      }
      rmSync(l.stateDir, { recursive: true, force: true });
    },

    async status() {
      const lines: string[] = [];
      for (const n of allNodes(l)) {
        const parts: string[] = [];
        for (const p of swiftPrograms(l, n)) {
          const state = await rt.programStatus(n.name, p.name).catch(() => 'unknown');
          const [, probe] = probesFor(l, n, p.name);
          parts.push(`${p.name} ${state}${(await probe()) ? '' : ' (not answering)'}`);
        }
        lines.push(`swift ${n.name}: ${parts.join(', ')}`);
      }
      return lines;
    },
  };
}

export const swift: LabStep = swiftStep(labSwiftLayout());
export default swift;
