// A real Keystone 22 (Debian python3-keystone) on loopback for integration
// tests: SQLite instead of MariaDB, fernet tokens, keystone-wsgi-public
// (single-threaded wsgiref) on a free port. Objects are created over REST,
// not with the CLI: faster, and it avoids a Keystone/SQLite quirk where a
// failed find-by-name leaves the database locked for the next write.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface RealKeystone {
  url: string;
  pid: number;
  adminPassword: string;
  /** POST /v3/auth/tokens as admin on project admin. */
  adminToken(): Promise<string>;
  /** Authenticated JSON call to Keystone (admin token). */
  call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const MANAGE = '/usr/bin/keystone-manage';

export async function startRealKeystone(dir: string, host = '127.0.0.1'): Promise<RealKeystone> {
  mkdirSync(join(dir, 'fernet'), { recursive: true });
  mkdirSync(join(dir, 'credential'), { recursive: true });
  const port = await freePort(host);
  const url = `http://${host}:${port}/v3`;
  const adminPassword = 'admin-test-password';
  const conf = join(dir, 'keystone.conf');
  writeFileSync(join(dir, 'policy.yaml'), '{}\n');
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      `log_file = ${join(dir, 'keystone.log')}`,
      'use_stderr = false',
      // bcrypt's minimum cost: every CLI call logs in, and the default (12) costs ~0.25 s of CPU each.
      '[identity]',
      'password_hash_rounds = 4',
      '[database]',
      `connection = sqlite:///${join(dir, 'keystone.db')}`,
      '[token]',
      'provider = fernet',
      'expiration = 7200',
      '[fernet_tokens]',
      `key_repository = ${join(dir, 'fernet')}`,
      '[fernet_receipts]',
      `key_repository = ${join(dir, 'fernet')}`,
      '[credential]',
      `key_repository = ${join(dir, 'credential')}`,
      // In-process cache: validating a token then skips most SQL (each CLI call brings a new token).
      '[cache]',
      'enabled = true',
      'backend = dogpile.cache.memory',
      '[oslo_policy]',
      `policy_file = ${join(dir, 'policy.yaml')}`,
      '',
    ].join('\n'),
  );
  const manage = (...args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(MANAGE, ['--config-file', conf, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (c: Buffer) => (err += c.toString()));
      p.on('error', reject);
      // keystone-manage prints an eventlet AttributeError at exit with status 0 (recipe section 3).
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`keystone-manage ${args[0]} exited ${code}: ${err.slice(-2000)}`))));
    });
  // Key setup does not touch the database: run it beside db_sync.
  await Promise.all([
    manage('db_sync'),
    manage('fernet_setup', '--keystone-user', 'root', '--keystone-group', 'root'),
    manage('credential_setup', '--keystone-user', 'root', '--keystone-group', 'root'),
  ]);
  await manage(
    'bootstrap',
    '--bootstrap-password', adminPassword,
    '--bootstrap-username', 'admin',
    '--bootstrap-project-name', 'admin',
    '--bootstrap-role-name', 'admin',
    '--bootstrap-service-name', 'keystone',
    '--bootstrap-region-id', 'RegionOne',
    '--bootstrap-public-url', `${url}/`,
    '--bootstrap-internal-url', `${url}/`,
  );
  // WAL journal: Keystone leaves a pooled SQLite connection inside a read
  // transaction now and then, and in the default rollback journal that makes
  // the next commit fail with "database is locked"; WAL lets readers and the
  // writer coexist. The mode is stored in the database file.
  const wal = spawnSync('/usr/bin/python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma journal_mode=wal").fetchone()[0])', join(dir, 'keystone.db')], { encoding: 'utf8' });
  if (wal.stdout.trim() !== 'wal') throw new Error(`cannot switch keystone.db to WAL: ${wal.stderr}`);
  const out = openSync(join(dir, 'keystone-wsgi.out'), 'a');
  const child: ChildProcess = spawn('/usr/bin/keystone-wsgi-public', ['--host', host, '--port', String(port)], {
    env: { ...process.env, OS_KEYSTONE_CONFIG_DIR: dir },
    stdio: ['ignore', out, out],
  });
  const pid = child.pid!;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`keystone-wsgi-public did not answer on ${url}; see ${join(dir, 'keystone-wsgi.out')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let token: string | undefined;
  const adminToken = async () => {
    if (token) return token;
    const r = await fetch(`${url}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', password: adminPassword, domain: { id: 'default' } } } },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      }),
    });
    if (r.status !== 201) throw new Error(`admin login failed: ${r.status} ${await r.text()}`);
    token = r.headers.get('x-subject-token')!;
    return token;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-auth-token': await adminToken(), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`Keystone ${method} ${path}: ${r.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  return { url, pid, adminPassword, adminToken, call, stop };
}

/** True when the Debian Keystone packages are installed (the test refuses to look green without them). */
export function keystoneInstalled(): boolean {
  return spawnSync(MANAGE, ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface CatalogEntry {
  type: string;
  name: string;
  url: string;
}

/** Services and public/internal/admin endpoints, as `openstack service/endpoint create` make them. */
export async function registerCatalog(ks: RealKeystone, entries: CatalogEntry[], region = 'RegionOne'): Promise<void> {
  for (const e of entries) {
    const svc = (await ks.call('POST', '/services', { service: { type: e.type, name: e.name, enabled: true } })).service as { id: string };
    for (const iface of ['public', 'internal', 'admin']) {
      await ks.call('POST', '/endpoints', { endpoint: { service_id: svc.id, interface: iface, url: e.url, region_id: region, enabled: true } });
    }
  }
}

/** A project (if missing), a user in it with `role`; returns their ids. */
export async function createUser(ks: RealKeystone, user: string, password: string, project: string, role: string): Promise<{ userId: string; projectId: string }> {
  const projects = (await ks.call('GET', `/projects?name=${encodeURIComponent(project)}`)).projects as { id: string }[];
  const projectId = projects[0]?.id ?? ((await ks.call('POST', '/projects', { project: { name: project, domain_id: 'default', enabled: true } })).project as { id: string }).id;
  const userId = ((await ks.call('POST', '/users', { user: { name: user, password, domain_id: 'default', enabled: true } })).user as { id: string }).id;
  const roles = (await ks.call('GET', `/roles?name=${encodeURIComponent(role)}`)).roles as { id: string }[];
  if (!roles[0]) throw new Error(`role ${role} not found`);
  await ks.call('PUT', `/projects/${projectId}/users/${userId}/roles/${roles[0].id}`);
  return { userId, projectId };
}
