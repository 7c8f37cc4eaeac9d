// Lab step: Keystone on every controller, behind the API VIP.
//
// Each controller runs Keystone under uwsgi (one process, a few threads) as the
// supervisor program `keystone`, bound to its own admin address :5000; HAProxy on
// the VIP forwards 198.18.0.10:5000 to them. They share the database (Galera via
// its VIP, user `keystone`) and identical fernet and credential keys, generated
// once into the lab state directory and copied to every node's /etc/keystone.
// The step also creates the lab's identity objects: admin (bootstrap), the
// `service` project, the `swift` service user, the tenant project/user, and the
// catalog (identity and object-store endpoints through the VIP).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { API_VIP, controllers, primaryAddress } from '../plan.ts';
import { labPaths } from '../paths.ts';
import { ensureSecret } from '../secrets.ts';
import { run, waitFor, type RunOptions } from '../sh.ts';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import {
  convergeProgram,
  guardedCommand,
  http,
  httpOk,
  labRuntime,
  markerLine,
  syncDir,
  writeIfChanged,
  type EtcDir,
  type NodeAddr,
  type NodeRuntime,
} from '../service-kit.ts';

export const SECRET = {
  admin: 'admin-password',
  tenant: 'tenant-password',
  keystoneDb: 'keystone-db-password',
  swiftService: 'swift-service-password',
} as const;

export const KEYSTONE_PROGRAM = 'keystone';

export interface KeystoneLayout {
  nodes: NodeAddr[];
  port: number;
  /** What clients use, and what the catalog lists for identity (public, internal, admin). */
  identityUrl: string;
  /** Catalog URL of object-store; `%(project_id)s` is expanded by Keystone. */
  objectStoreUrl: string;
  region: string;
  db: { host: string; port: number; name: string; user: string; /** MySQL account host part */ userHost: string };
  secretsDir: string;
  /** Master copies of the fernet and credential keys. */
  stateDir: string;
  etc(node: string): EtcDir;
  logFile(node: string): string;
  uwsgi: { processes: number; threads: number; master: boolean };
  tenant: { user: string; project: string };
  /** Run SQL as a database administrator (lab: `mariadb` on ctl1, root over the socket). */
  dbAdmin(sql: string, opts: RunOptions): Promise<void>;
  runtime: NodeRuntime;
}

export function labKeystoneLayout(): KeystoneLayout {
  return {
    nodes: controllers.map((n) => ({ name: n.name, address: primaryAddress(n) })),
    port: 5000,
    identityUrl: `http://${API_VIP}:5000/v3`,
    objectStoreUrl: `http://${API_VIP}:8080/v1/AUTH_%(project_id)s`,
    region: 'RegionOne',
    db: { host: API_VIP, port: 3307, name: 'keystone', user: 'keystone', userHost: '198.18.%' },
    secretsDir: labPaths.secrets,
    stateDir: join(labPaths.root, 'keystone'),
    etc: (node) => ({ node: '/etc/keystone', host: join(labPaths.nodeEtc(node), 'keystone') }),
    logFile: (node) => join(labPaths.nodeLog(node), 'keystone.log'),
    uwsgi: { processes: 1, threads: 4, master: true },
    tenant: { user: 'trove-ha-tenant', project: 'trove-ha-tenant' },
    dbAdmin: async (sql, opts) => {
      // root over the local socket of the first controller whose MariaDB answers (Galera replicates)
      let last: unknown;
      for (const n of controllers) {
        try {
          await labRuntime.exec(n.name, ['mariadb', '-N', '-s'], { ...opts, input: sql, timeoutMs: 30_000 });
          return;
        } catch (e) {
          last = e;
        }
      }
      throw last;
    },
    runtime: labRuntime,
  };
}

// ---------------------------------------------------------------- pure generators

export function keystoneDbUrl(db: KeystoneLayout['db'], password: string): string {
  return `mysql+pymysql://${encodeURIComponent(db.user)}:${encodeURIComponent(password)}@${db.host}:${db.port}/${db.name}?charset=utf8mb4`;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
function sqlIdent(s: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(s)) throw new Error(`bad SQL identifier ${s}`);
  return `\`${s}\``;
}

/** Idempotent: creates the database and account, (re)sets the password, grants. */
export function keystoneDbSql(db: KeystoneLayout['db'], password: string): string {
  const account = `${sqlString(db.user)}@${sqlString(db.userHost)}`;
  return [
    `CREATE DATABASE IF NOT EXISTS ${sqlIdent(db.name)} CHARACTER SET utf8mb4;`,
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${sqlString(password)};`,
    `ALTER USER ${account} IDENTIFIED BY ${sqlString(password)};`,
    `GRANT ALL PRIVILEGES ON ${sqlIdent(db.name)}.* TO ${account};`,
    '',
  ].join('\n');
}

export function keystoneDropSql(db: KeystoneLayout['db']): string {
  return `DROP DATABASE IF EXISTS ${sqlIdent(db.name)};\nDROP USER IF EXISTS ${sqlString(db.user)}@${sqlString(db.userHost)};\n`;
}

export interface KeystoneConfInput {
  marker: string;
  dbUrl: string;
  /** Node-side paths. */
  fernetDir: string;
  credentialDir: string;
  policyFile: string;
  debug?: boolean;
}

/** keystone.conf. Logs go to stderr, which supervisor writes to the node's keystone.log. */
export function keystoneConf(c: KeystoneConfInput): string {
  return `${c.marker}
[DEFAULT]
use_stderr = true
debug = ${c.debug ? 'true' : 'false'}

[database]
connection = ${c.dbUrl}
# behind HAProxy: recycle before its idle timeouts, keep the pool small
connection_recycle_time = 600
max_pool_size = 5
max_overflow = 10

[identity]
# bcrypt uses 72 bytes at most; the default 4096 logs a WARNING on every password check
max_password_length = 72

[token]
provider = fernet
expiration = 7200

[fernet_tokens]
key_repository = ${c.fernetDir}

[fernet_receipts]
key_repository = ${c.fernetDir}

[credential]
key_repository = ${c.credentialDir}

[cache]
enabled = false

[oslo_policy]
policy_file = ${c.policyFile}
`;
}

/** Only what `keystone-manage fernet_setup/credential_setup` need, for the master key copies. */
export function keystoneKeysConf(fernetDir: string, credentialDir: string): string {
  return `[fernet_tokens]\nkey_repository = ${fernetDir}\n\n[fernet_receipts]\nkey_repository = ${fernetDir}\n\n[credential]\nkey_repository = ${credentialDir}\n`;
}

export function keystoneUwsgiArgv(o: { address: string; port: number; processes: number; threads: number; master: boolean }): string[] {
  return [
    'uwsgi',
    '--plugins', 'python3',
    '--http-socket', `${o.address}:${o.port}`,
    '--wsgi-file', '/usr/bin/keystone-wsgi-public',
    ...(o.master ? ['--master'] : []),
    '--processes', String(o.processes),
    '--threads', String(o.threads),
    '--lazy-apps',
    '--need-app',
    '--buffer-size', '65535',
    '--die-on-term',
    // Python finalisation in the worker segfaults in greenlet (eventlet is imported by
    // Keystone's dependencies) on every stop; atexit hooks still run.
    '--skip-atexit-teardown',
    // uwsgi's plain http-socket closes every connection after one response but answers
    // HTTP/1.1 without saying so: a client (or HAProxy) reusing the connection gets a
    // reset ("Connection aborted"). Say it. (--http11-socket would pin a thread per
    // idle keep-alive connection.)
    '--add-header', 'Connection: close',
    '--disable-logging', // no per-request lines; Keystone's own log still goes to stderr
  ];
}

export function keystoneProgram(layout: KeystoneLayout, node: NodeAddr): ProgramSpec {
  const etc = layout.etc(node.name).node;
  const env = { OS_KEYSTONE_CONFIG_DIR: etc, PYTHONUNBUFFERED: '1' };
  return {
    name: KEYSTONE_PROGRAM,
    command: guardedCommand(
      join(etc, 'keystone.conf'),
      markerLine('keystone', node.name),
      keystoneUwsgiArgv({ address: node.address, port: layout.port, ...layout.uwsgi }),
    ),
    environment: env,
    stopSignal: 'TERM',
    stopWaitSecs: 15,
    logFile: layout.logFile(node.name),
  };
}

export interface CatalogEntry {
  type: string;
  name: string;
  description: string;
  endpoints: { interface: 'public' | 'internal' | 'admin'; url: string }[];
}

export function catalogPlan(layout: Pick<KeystoneLayout, 'identityUrl' | 'objectStoreUrl'>): CatalogEntry[] {
  const all = (url: string) => (['public', 'internal', 'admin'] as const).map((i) => ({ interface: i, url }));
  return [
    { type: 'identity', name: 'keystone', description: 'OpenStack Identity', endpoints: all(layout.identityUrl) },
    { type: 'object-store', name: 'swift', description: 'OpenStack Object Storage', endpoints: all(layout.objectStoreUrl) },
  ];
}

// ---------------------------------------------------------------- Keystone REST

export interface Credentials {
  username: string;
  password: string;
  project: string;
}

export interface Token {
  id: string;
  projectId: string;
  catalog: { type: string; name: string; endpoints: { interface: string; region_id?: string; url: string }[] }[];
}

/** Password auth scoped to a project in domain `default`; undefined on 401. */
export async function getToken(identityUrl: string, c: Credentials): Promise<Token | undefined> {
  const body = {
    auth: {
      identity: { methods: ['password'], password: { user: { name: c.username, domain: { id: 'default' }, password: c.password } } },
      scope: { project: { name: c.project, domain: { id: 'default' } } },
    },
  };
  const r = await http(`${identityUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: 20_000,
  });
  if (r.status === 401) return undefined;
  if (r.status !== 201) throw new Error(`POST ${identityUrl}/auth/tokens as ${c.username}: HTTP ${r.status || 'unreachable'} ${r.body.slice(0, 200)}`);
  const tok = JSON.parse(r.body).token;
  return { id: r.headers.get('x-subject-token')!, projectId: tok.project?.id, catalog: tok.catalog ?? [] };
}

export class KeystoneAdmin {
  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly log: (line: string) => void,
  ) {}

  private async call(method: string, path: string, body?: unknown, ok: number[] = [200, 201, 204]): Promise<any> {
    const r = await http(`${this.url}${path}`, {
      method,
      headers: { 'x-auth-token': this.token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: 20_000,
    });
    if (!ok.includes(r.status)) throw new Error(`${method} ${this.url}${path}: HTTP ${r.status || 'unreachable'} ${r.body.slice(0, 300)}`);
    if (method !== 'GET' && method !== 'HEAD') this.log(`keystone: ${method} ${path} -> ${r.status}`);
    return { status: r.status, json: r.body ? JSON.parse(r.body) : undefined };
  }

  async project(name: string, description: string): Promise<string> {
    const found = (await this.call('GET', `/projects?domain_id=default&name=${encodeURIComponent(name)}`)).json.projects;
    if (found.length) return found[0].id;
    return (await this.call('POST', '/projects', { project: { name, description, domain_id: 'default', enabled: true } })).json.project.id;
  }

  async role(name: string): Promise<string> {
    const found = (await this.call('GET', `/roles?name=${encodeURIComponent(name)}`)).json.roles;
    if (found.length) return found[0].id;
    return (await this.call('POST', '/roles', { role: { name } })).json.role.id;
  }

  /** Creates the user, or resets its password when `passwordWorks` says it is stale. */
  async user(name: string, password: string, projectId: string, passwordWorks: () => Promise<boolean>): Promise<string> {
    const found = (await this.call('GET', `/users?domain_id=default&name=${encodeURIComponent(name)}`)).json.users;
    if (!found.length) {
      return (await this.call('POST', '/users', { user: { name, password, domain_id: 'default', default_project_id: projectId, enabled: true } })).json.user.id;
    }
    const id: string = found[0].id;
    if (!found[0].enabled || !(await passwordWorks())) await this.call('PATCH', `/users/${id}`, { user: { password, enabled: true } });
    return id;
  }

  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    // Not HEAD on the grant: a 404 there is logged by Keystone as an ERROR with a traceback.
    const q = `/role_assignments?user.id=${userId}&scope.project.id=${projectId}&role.id=${roleId}`;
    const has = (await this.call('GET', q)).json.role_assignments as unknown[];
    if (!has.length) await this.call('PUT', `/projects/${projectId}/users/${userId}/roles/${roleId}`);
  }

  async service(entry: CatalogEntry, region: string): Promise<void> {
    const services = (await this.call('GET', `/services?type=${encodeURIComponent(entry.type)}`)).json.services as any[];
    let svc = services.find((s) => s.name === entry.name);
    if (!svc) svc = (await this.call('POST', '/services', { service: { type: entry.type, name: entry.name, description: entry.description, enabled: true } })).json.service;
    const eps = (await this.call('GET', `/endpoints?service_id=${svc.id}`)).json.endpoints as any[];
    for (const want of entry.endpoints) {
      const mine = eps.filter((e) => e.interface === want.interface && e.region_id === region);
      const [keep, ...extra] = mine;
      if (!keep) await this.call('POST', '/endpoints', { endpoint: { service_id: svc.id, interface: want.interface, region_id: region, url: want.url, enabled: true } });
      else if (keep.url !== want.url || !keep.enabled) await this.call('PATCH', `/endpoints/${keep.id}`, { endpoint: { url: want.url, enabled: true } });
      for (const e of extra) await this.call('DELETE', `/endpoints/${e.id}`);
    }
  }
}

/** Missing or wrong catalog entries of `token` compared with the plan (empty = all there). */
export function catalogProblems(token: Token, plan: CatalogEntry[], region: string): string[] {
  const problems: string[] = [];
  for (const want of plan) {
    const svc = token.catalog.find((s) => s.type === want.type);
    if (!svc) {
      problems.push(`no ${want.type} service in the catalog`);
      continue;
    }
    for (const ep of want.endpoints) {
      const have = svc.endpoints.filter((e) => e.interface === ep.interface && (e.region_id ?? region) === region);
      // Keystone expands %(project_id)s in the token's catalog.
      const url = ep.url.replace('%(project_id)s', token.projectId).replace('%(tenant_id)s', token.projectId);
      if (have.length !== 1 || have[0]!.url !== url) problems.push(`${want.type} ${ep.interface} endpoint: want ${url}, have ${have.map((e) => e.url).join(', ') || 'none'}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------- the step

interface KeystoneSecrets {
  admin: string;
  tenant: string;
  db: string;
  swift: string;
}

function secretsFor(l: KeystoneLayout): KeystoneSecrets {
  return {
    admin: ensureSecret(SECRET.admin, l.secretsDir),
    tenant: ensureSecret(SECRET.tenant, l.secretsDir),
    db: ensureSecret(SECRET.keystoneDb, l.secretsDir),
    swift: ensureSecret(SECRET.swiftService, l.secretsDir),
  };
}

export function keystoneCredentials(l: Pick<KeystoneLayout, 'secretsDir' | 'tenant'>, who: 'admin' | 'tenant' | 'swift'): Credentials {
  if (who === 'admin') return { username: 'admin', password: ensureSecret(SECRET.admin, l.secretsDir), project: 'admin' };
  if (who === 'swift') return { username: 'swift', password: ensureSecret(SECRET.swiftService, l.secretsDir), project: 'service' };
  return { username: l.tenant.user, password: ensureSecret(SECRET.tenant, l.secretsDir), project: l.tenant.project };
}

function nodeUrl(l: KeystoneLayout, n: NodeAddr): string {
  return `http://${n.address}:${l.port}/v3`;
}

/** Writes a node's files; true when any of them changed. */
function writeNodeFiles(l: KeystoneLayout, n: NodeAddr, s: KeystoneSecrets): boolean {
  const etc = l.etc(n.name);
  // `ip netns exec` can only bind-mount over a directory that exists in the root filesystem.
  if (etc.node !== etc.host && !existsSync(etc.node)) mkdirSync(etc.node, { recursive: true, mode: 0o755 });
  mkdirSync(etc.host, { recursive: true, mode: 0o755 });
  let changed = false;
  changed = syncDir(join(l.stateDir, 'fernet-keys'), join(etc.host, 'fernet-keys')) || changed;
  changed = syncDir(join(l.stateDir, 'credential-keys'), join(etc.host, 'credential-keys')) || changed;
    // No overrides: Keystone's in-code defaults. (A JSON-looking `{}` logs a deprecation WARNING.)
  changed = writeIfChanged(join(etc.host, 'policy.yaml'), '# trove-ha-lab: no policy overrides\n', 0o644) || changed;
  const conf = keystoneConf({
    marker: markerLine('keystone', n.name),
    dbUrl: keystoneDbUrl(l.db, s.db),
    fernetDir: join(etc.node, 'fernet-keys'),
    credentialDir: join(etc.node, 'credential-keys'),
    policyFile: join(etc.node, 'policy.yaml'),
  });
  changed = writeIfChanged(join(etc.host, 'keystone.conf'), conf, 0o600) || changed;
  return changed;
}

async function ensureMasterKeys(l: KeystoneLayout, ctx: StepContext): Promise<void> {
  const fernet = join(l.stateDir, 'fernet-keys');
  const cred = join(l.stateDir, 'credential-keys');
  const has = (d: string) => existsSync(d) && readdirSync(d).length > 0;
  if (has(fernet) && has(cred)) return;
  mkdirSync(l.stateDir, { recursive: true, mode: 0o700 });
  const conf = join(l.stateDir, 'keys.conf');
  writeIfChanged(conf, keystoneKeysConf(fernet, cred), 0o600);
  const owner = ['--keystone-user', 'root', '--keystone-group', 'root'];
  if (!has(fernet)) await run(['keystone-manage', '--config-file', conf, 'fernet_setup', ...owner], { log: ctx.logFile });
  if (!has(cred)) await run(['keystone-manage', '--config-file', conf, 'credential_setup', ...owner], { log: ctx.logFile });
  ctx.progress('keystone: generated fernet and credential keys');
}

async function ensureObjects(l: KeystoneLayout, s: KeystoneSecrets, admin: Token, ctx: StepContext): Promise<void> {
  const ks = new KeystoneAdmin(l.identityUrl, admin.id, (line) => ctx.progress(line));
  for (const entry of catalogPlan(l)) await ks.service(entry, l.region);
  const adminRole = await ks.role('admin');
  const memberRole = await ks.role('member');
  const service = await ks.project('service', 'Service users');
  const swift = await ks.user('swift', s.swift, service, async () => !!(await getToken(l.identityUrl, keystoneCredentials(l, 'swift')).catch(() => undefined)));
  await ks.grant(service, swift, adminRole);
  const tenantProject = await ks.project(l.tenant.project, 'trove-ha harness tenant');
  const tenant = await ks.user(l.tenant.user, s.tenant, tenantProject, async () => !!(await getToken(l.identityUrl, keystoneCredentials(l, 'tenant')).catch(() => undefined)));
  await ks.grant(tenantProject, tenant, memberRole);
}

export function keystoneStep(l: KeystoneLayout): LabStep {
  const rt = l.runtime;
  const first = l.nodes[0]!;
  const manage = (args: string[], ctx: StepContext, opts: RunOptions = {}) =>
    rt.exec(first.name, ['keystone-manage', '--config-file', join(l.etc(first.name).node, 'keystone.conf'), ...args], { log: ctx.logFile, ...opts });

  async function problems(): Promise<string[]> {
    const out: string[] = [];
    for (const n of l.nodes) if (!(await httpOk(`${nodeUrl(l, n)}`))) out.push(`${n.name}: GET ${nodeUrl(l, n)} fails`);
    if (out.length) return out;
    for (const who of ['admin', 'swift', 'tenant'] as const) {
      const c = keystoneCredentials(l, who);
      const tok = await getToken(l.identityUrl, c).catch((e: Error) => (out.push(e.message), undefined));
      if (!tok) {
        out.push(`${c.username}: no token for project ${c.project} at ${l.identityUrl}`);
        continue;
      }
      if (who === 'tenant') out.push(...catalogProblems(tok, catalogPlan(l), l.region));
    }
    return out;
  }

  return {
    name: 'keystone',

    async check() {
      return (await problems()).length === 0;
    },

    async apply(ctx) {
      const s = secretsFor(l);
      await l.dbAdmin(keystoneDbSql(l.db, s.db), { log: ctx.logFile });
      await ensureMasterKeys(l, ctx);
      const changed = new Map(l.nodes.map((n) => [n.name, writeNodeFiles(l, n, s)]));

      const sync = await manage(['db_sync', '--check'], ctx, { allowFail: true });
      if (sync.code !== 0) {
        const t0 = Date.now();
        await manage(['db_sync'], ctx, { timeoutMs: 300_000 });
        ctx.progress(`keystone: db_sync ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }

      const t0 = Date.now();
      let acted = false;
      for (const n of l.nodes) {
        const did = await convergeProgram(rt, n.name, keystoneProgram(l, n), changed.get(n.name)!, ctx.logFile);
        if (did !== 'unchanged') {
          acted = true;
          ctx.progress(`keystone: ${n.name} ${did}`);
        }
      }
      for (const n of l.nodes) {
        await waitFor(`keystone on ${n.name} (GET ${nodeUrl(l, n)}; log ${l.logFile(n.name)})`, () => httpOk(nodeUrl(l, n)), 90_000);
      }
      await waitFor(`keystone at ${l.identityUrl}`, () => httpOk(l.identityUrl), 60_000);
      if (acted) ctx.progress(`keystone: ${l.nodes.length} nodes answer (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

      let admin = await getToken(l.identityUrl, keystoneCredentials(l, 'admin'));
      if (!admin) {
        const t1 = Date.now();
        await manage(
          ['bootstrap', '--bootstrap-username', 'admin', '--bootstrap-project-name', 'admin', '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone', '--bootstrap-region-id', l.region,
            '--bootstrap-admin-url', l.identityUrl, '--bootstrap-internal-url', l.identityUrl, '--bootstrap-public-url', l.identityUrl],
          ctx,
          { env: { ...process.env, OS_BOOTSTRAP_PASSWORD: s.admin } }, // never on the command line
        );
        ctx.progress(`keystone: bootstrap ${((Date.now() - t1) / 1000).toFixed(1)} s`);
        admin = await getToken(l.identityUrl, keystoneCredentials(l, 'admin'));
        if (!admin) throw new Error('keystone: admin cannot get a token after bootstrap');
      }
      await ensureObjects(l, s, admin, ctx);
      const left = await problems();
      if (left.length) throw new Error(`keystone: not healthy after apply:\n  ${left.join('\n  ')}`);
    },

    async teardown(ctx) {
      for (const n of l.nodes) {
        await rt.stopProgram(n.name, KEYSTONE_PROGRAM, ctx.logFile).catch((e: Error) => ctx.progress(`keystone: ${n.name}: stop: ${e.message}`));
        // Empty the directory but keep it: it is a bind-mount source for running namespaces.
        const dir = l.etc(n.name).host;
        if (existsSync(dir)) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
      }
      rmSync(l.stateDir, { recursive: true, force: true });
      await l.dbAdmin(keystoneDropSql(l.db), { log: ctx.logFile }).catch((e: Error) => ctx.progress(`keystone: database not dropped: ${e.message.split('\n')[0]}`));
    },

    async status() {
      const lines: string[] = [];
      for (const n of l.nodes) {
        const state = await rt.programStatus(n.name, KEYSTONE_PROGRAM).catch(() => 'unknown');
        const t0 = Date.now();
        const r = await http(nodeUrl(l, n), { timeoutMs: 3_000 });
        lines.push(`keystone ${n.name}: ${state}, GET /v3 ${r.status || 'unreachable'} (${Date.now() - t0} ms)`);
      }
      return lines;
    },
  };
}

export const keystone: LabStep = keystoneStep(labKeystoneLayout());
export default keystone;
