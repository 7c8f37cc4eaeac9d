// The lab guest agent with its REAL MariaDB datastore, end to end against the
// REAL Trove 18 caller: a RabbitMQ node on loopback, the agent as its own
// process (lab/guest/main.ts, datastore_manager mariadb) running mariadbd
// detached in a temp "VM" dir, and guest-trove-api-peer.py calling it through
// trove.guestagent.api.API with secure RPC while playing the conductor.
// SQL checks log in over TCP as the users the guest created.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { startAgentProcess, type AgentProcess } from '../support/guest-agent-process.ts';
import { freePort } from '../support/free-port.ts';
import { startOsloPeer, type OsloPeer, type PeerEvent } from '../support/oslo-peer.ts';
import { startRabbitNode, type RabbitNode } from '../support/rabbitmq-node.ts';

const GUEST_ID = '3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b';
const secretValue = () => Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const readPid = (file: string): number | null => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || null : null);
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('guest agent + real MariaDB vs the real Trove 18 guest API', function () {
  this.timeout(150_000);
  let dir: string;
  let rabbit: RabbitNode | undefined;
  let peer: OsloPeer | undefined;
  let agent: AgentProcess | undefined;
  let dbPort: number;
  let mount: string;
  const key = secretValue();
  const rootPassword = secretValue();
  const appPassword = secretValue();
  const secrets = [key, rootPassword, appPassword];
  const pidFile = () => join(mount, 'run', 'mysqld.pid');
  const api = async (method: string, kwargs: Record<string, unknown> = {}) => {
    const r = await peer!.request({ op: 'api', method, kwargs }, 130_000);
    if (r.raised) throw new Error(`${method}: ${String(r.raised)}: ${String(r.message)}`);
    return r as PeerEvent & { result: unknown; view: unknown };
  };
  const heartbeats = (status?: string) => peer!.events.filter((e) => e.event === 'heartbeat' && (!status || (e.payload as { service_status: string }).service_status === status));
  const until = async <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
      await sleep(250);
    }
  };
  /** A real client login over TCP, as a user of the database would. */
  const login = async (user: string, password: string, sql: string) => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: dbPort, user, password, connectTimeout: 5000 });
    try {
      const [rows] = await c.query(sql);
      return rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  };
  /**
   * root@'%' can't be logged into from loopback: MariaDB names every loopback
   * client 'localhost' and picks root@localhost (the guest's own account). So
   * its password and grants are checked as the guest's os_admin, over the socket.
   */
  const remoteRoot = async (password: string) => {
    const admin = readFileSync(join(mount, 'conf.d', 'os_admin.cnf'), 'utf8').match(/^password = (.*)$/m)![1]!;
    const c = await mysql.createConnection({ socketPath: join(mount, 'run', 'mysqld.sock'), user: 'os_admin', password: admin });
    try {
      const [rows] = await c.query("SELECT authentication_string = PASSWORD(?) AS ok FROM mysql.user WHERE User = 'root' AND Host = '%'", [password]);
      const [grants] = await c.query("SHOW GRANTS FOR 'root'@'%'");
      return { passwordMatches: (rows as Array<{ ok: number }>)[0]?.ok === 1, grants: Object.values((grants as Array<Record<string, string>>)[0] ?? {})[0] };
    } finally {
      await c.end();
    }
  };
  const loginFails = (user: string, password: string) => login(user, password, 'SELECT 1').then(() => false, (e: { code?: string }) => e.code === 'ER_ACCESS_DENIED_ERROR');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'guest-mariadb-'));
    chmodSync(dir, 0o755); // mariadbd runs as mysql and must reach its directories
    mkdirSync(join(dir, 'rabbit'));
    rabbit = await startRabbitNode(join(dir, 'rabbit'));
    peer = await startOsloPeer({ TRANSPORT_URL: rabbit.url(), GUEST_ID, GUEST_KEY: key }, 'guest-trove-api-peer.py');
    secrets.push(rabbit.password);
    dbPort = await freePort('127.0.0.1');
    mount = join(dir, 'vm', 'mysql');
    const conf = join(dir, 'conf.d');
    mkdirSync(conf);
    writeFileSync(join(conf, 'guest_info.conf'), `[DEFAULT]\nguest_id=${GUEST_ID}\ndatastore_manager=mariadb\ndatastore_version=10.11\ntenant_id=p1\ninstance_rpc_encr_key=${key}\n`);
    writeFileSync(
      join(conf, 'trove-guestagent.conf'),
      `[DEFAULT]\ntransport_url = ${rabbit.url()}\ncontrol_exchange = trove\nreport_interval = 2\nstate_change_poll_time = 1\nstate_change_wait_time = 60\n\n` +
        `[guest_agent]\nstate_dir = ${join(dir, 'state')}\n\n` +
        `[mariadb]\nmount_point = ${mount}\nlab_bind_address = 127.0.0.1\nlab_port = ${dbPort}\nlab_process_control = detached\n`,
    );
    agent = startAgentProcess(conf);
    await until('the agent consuming its topic', async () => {
      if (agent!.exited()) throw new Error(`agent exited: ${agent!.log.slice(-10).join('\n')}`);
      return (await rabbit!.ctl(['-q', 'list_queues', '-p', 'trove', 'name', 'consumers'])).includes(`guestagent.${GUEST_ID}\t1`);
    });
  });

  after(async () => {
    if (process.env.GUEST_TEST_KEEP) console.log(agent?.log.join('\n'));
    await agent?.stop().catch(() => undefined);
    // mariadbd is detached (setsid): stop it by the PID in its own pid file.
    const pid = mount ? readPid(pidFile()) : null;
    if (pid && pidAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 300 && pidAlive(pid); i++) await sleep(100);
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    await peer?.stop().catch(() => undefined);
    await rabbit?.stop();
    if (dir && !process.env.GUEST_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('prepare (databases, users, root_password, real config_contents, overrides): building, then healthy', async () => {
    const vectors = JSON.parse(readFileSync(new URL('../fixtures/guest/mysql-vectors.json', import.meta.url), 'utf8')) as { config_contents: { mariadb: string } };
    // What trove-api puts in the create request, serialized by Trove's own populate_* functions.
    const body = await peer!.request({ op: 'serialize', databases: [{ name: 'appdb', character_set: 'utf8mb4' }], users: [{ name: 'app', password: appPassword, databases: [{ name: 'appdb' }] }] });
    const t0 = Date.now();
    await api('prepare', {
      memory_mb: 1024, packages: '', databases: body.databases, users: body.users, device_path: '/dev/vdb', mount_point: '/var/lib/mysql',
      config_contents: vectors.config_contents.mariadb, root_password: rootPassword, overrides: { max_connections: 150 }, ds_version: '10.11',
    });
    const end = await peer!.waitFor((e) => e.event === 'heartbeat' && ['healthy', 'failed to spawn'].includes((e.payload as { service_status: string }).service_status), 90_000, 'healthy heartbeat');
    const ms = Date.now() - t0;
    assert.equal((end.payload as { service_status: string }).service_status, 'healthy', `prepare failed: ${agent!.log.slice(-5).join('\n')}`);
    assert.equal((heartbeats()[0]!.payload as { service_status: string }).service_status, 'building');
    assert.equal(heartbeats()[0]!.instance_id, GUEST_ID);
    const mariadbd = readPid(pidFile())!;
    assert.ok(pidAlive(mariadbd), 'mariadbd runs');
    assert.equal(readFileSync(`/proc/${mariadbd}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1], String(Number(readFileSync('/etc/passwd', 'utf8').match(/^mysql:x:(\d+):/m)![1])), 'as user mysql');
    const includes = readdirSync(join(mount, 'etc', 'conf.d')).sort();
    assert.deepEqual(includes, ['20-user-001-common.cnf', '50-system-001-common.cnf']);
    assert.equal(readFileSync(join(mount, 'etc', 'conf.d', '20-user-001-common.cnf'), 'utf8'), '[mysqld]\nmax_connections = 150\n\n');
    // post-prepare: the app user with its database, and root enabled with the given password
    const users = await until('app user created', async () => {
      const r = await api('list_users');
      return (r.view as { users: Array<{ databases: string[] }> }).users[0]?.databases.length ? r : undefined;
    });
    assert.deepEqual(users.result, [[{ _name: 'app', _password: null, _host: '%', _databases: [{ _name: 'appdb', _collate: null, _character_set: null }], _is_root: false }], 'app@%'], 'without a limit Trove leaves next_marker at the last user');
    assert.deepEqual(await login('app', appPassword, 'SELECT @@max_connections AS m, @@port AS p'), [{ m: 150, p: dbPort }]);
    assert.equal((await api('is_root_enabled')).result, true);
    const root = await remoteRoot(rootPassword);
    assert.equal(root.passwordMatches, true, "root@'%' has the prepare root_password");
    assert.match(String(root.grants), /^GRANT ALL PRIVILEGES ON \*\.\* TO `root`@`%` IDENTIFIED BY PASSWORD '\*[0-9A-F]{40}' WITH GRANT OPTION$/);
    console.log(`      prepare cast -> healthy heartbeat: ${ms} ms`);
  });

  it('keeps reporting healthy every report_interval', async () => {
    const n = heartbeats('healthy').length;
    await peer!.waitFor(() => heartbeats('healthy').length >= n + 2, 10_000, '2 more healthy heartbeats');
  });

  it('create_database / list_databases (pagination) / delete_database', async () => {
    const body = await peer!.request({ op: 'serialize', databases: [{ name: 'db2' }, { name: 'db3', collate: 'latin1_german1_ci' }] });
    await api('create_database', { databases: body.databases });
    await until('db2 and db3 listed', async () => ((await api('list_databases')).view as { names: string[] }).names.includes('db3'));
    const all = await api('list_databases');
    // mariadb's ignore_dbs lacks 'sys', so Trove 18 lists it too.
    assert.deepEqual(all.view, { names: ['appdb', 'db2', 'db3', 'sys'], next_marker: 'sys' });
    const [schemas] = all.result as [unknown[], string | null];
    assert.deepEqual(schemas.slice(0, 3), [
      { _name: 'appdb', _collate: 'utf8mb4_general_ci', _character_set: 'utf8mb4' },
      { _name: 'db2', _collate: 'utf8_general_ci', _character_set: 'utf8' },
      { _name: 'db3', _collate: 'latin1_german1_ci', _character_set: 'latin1' },
    ]);
    assert.deepEqual((await api('list_databases', { limit: 2 })).view, { names: ['appdb', 'db2'], next_marker: 'db2' });
    assert.deepEqual((await api('list_databases', { limit: 2, marker: 'db2' })).view, { names: ['db3', 'sys'], next_marker: null });
    assert.deepEqual((await api('list_databases', { limit: 1, marker: 'db2', include_marker: true })).view, { names: ['db2'], next_marker: 'db2' });
    await api('delete_database', { database: (body.databases as unknown[])[1] });
    await until('db3 gone', async () => !((await api('list_databases')).view as { names: string[] }).names.includes('db3'));
  });

  it('create_user / get_user / grant_access / list_access / revoke_access / change_passwords / delete_user, checked by real logins', async () => {
    const pw1 = secretValue();
    const pw2 = secretValue();
    secrets.push(pw1, pw2);
    const body = await peer!.request({ op: 'serialize', users: [{ name: 'alice', host: '127.0.0.1', password: pw1, databases: [{ name: 'db2' }] }] });
    await api('create_user', { users: body.users });
    await until('alice listed', async () => ((await api('list_users')).view as { users: Array<{ name: string }> }).users.some((u) => u.name === 'alice'));
    assert.deepEqual((await api('get_user', { username: 'alice', hostname: '127.0.0.1' })).view, { name: 'alice', host: '127.0.0.1', databases: ['db2'] });
    assert.equal((await api('get_user', { username: 'alice', hostname: '%' })).result, null, 'name@host: another host is another user');
    const seen = async (pw: string) => (await login('alice', pw, 'SHOW DATABASES')).map((r) => r.Database).filter((d) => d !== 'information_schema');
    assert.deepEqual(await seen(pw1), ['db2']);
    await api('grant_access', { username: 'alice', hostname: '127.0.0.1', databases: ['appdb'] });
    assert.deepEqual((await api('list_access', { username: 'alice', hostname: '127.0.0.1' })).view, ['appdb', 'db2']);
    assert.deepEqual(await seen(pw1), ['appdb', 'db2']);
    await api('revoke_access', { username: 'alice', hostname: '127.0.0.1', database: 'appdb' });
    assert.deepEqual((await api('list_access', { username: 'alice', hostname: '127.0.0.1' })).view, ['db2']);
    const page = await api('list_users', { limit: 1 });
    assert.deepEqual((page.view as { next_marker: string }).next_marker, 'alice@127.0.0.1');
    await api('change_passwords', { users: [{ name: 'alice', host: '127.0.0.1', password: pw2 }] });
    await until('the new password works', async () => (await loginFails('alice', pw2)) === false);
    assert.equal(await loginFails('alice', pw1), true, 'the old password no longer works');
    await api('delete_user', { user: (body.users as unknown[])[0] });
    await until('alice dropped', async () => loginFails('alice', pw2));
  });

  it('a reserved user is refused with the ValueError Trove raises, through GuestError', async () => {
    const r = await peer!.request({ op: 'api', method: 'get_user', kwargs: { username: 'os_admin', hostname: '%' } });
    assert.equal(r.raised, 'GuestError');
    assert.match(String(r.message), /Username os_admin is not valid: User name "os_admin" is on the reserved list/);
  });

  it('enable_root answers the serialized root user with a new password; disable_root answers None', async () => {
    const r = (await api('enable_root')).result as Record<string, unknown>;
    assert.deepEqual(Object.keys(r), ['_name', '_password', '_host', '_databases', '_is_root']);
    assert.deepEqual({ ...r, _password: typeof r._password }, { _name: 'root', _password: 'string', _host: '%', _databases: [], _is_root: true });
    assert.equal((r._password as string).length, 36);
    secrets.push(r._password as string);
    assert.equal((await remoteRoot(rootPassword)).passwordMatches, false, 'the prepare password is replaced');
    assert.equal((await remoteRoot(r._password as string)).passwordMatches, true);
    assert.equal((await api('is_root_enabled')).result, true);
    assert.equal((await api('disable_root')).result, null);
    assert.equal((await remoteRoot(r._password as string)).passwordMatches, false, 'root password reset to an unknown one');
    assert.equal((await api('is_root_enabled')).result, true, "root@'%' stays (Trove only changes its password)");
  });

  it('update_overrides + apply_overrides: dynamic values take effect at once, a refused one is skipped', async () => {
    await api('update_overrides', { overrides: { max_connections: 222, wait_timeout: 77, back_log: 99 } });
    assert.equal(readFileSync(join(mount, 'etc', 'conf.d', '20-user-001-common.cnf'), 'utf8'), '[mysqld]\nmax_connections = 222\nwait_timeout = 77\nback_log = 99\n\n');
    await api('apply_overrides', { overrides: { max_connections: 222, wait_timeout: 77, back_log: 99 } });
    const [now] = await login('app', appPassword, 'SELECT @@global.max_connections AS m, @@global.wait_timeout AS w, @@global.back_log AS b');
    assert.deepEqual({ m: now!.m, w: now!.w }, { m: 222, w: 77 });
    assert.notEqual(now!.b, 99, 'back_log is read-only: the server refused it (logged), it waits in the file for the next start');
  });

  it('get_filesystem_stats reports the mount point', async () => {
    const r = (await api('get_volume_info')).result as Record<string, number>;
    assert.deepEqual(Object.keys(r).sort(), ['block_size', 'free', 'free_blocks', 'total', 'total_blocks', 'used']);
  });

  it('stop_db stops mariadbd and reports shutdown; restart brings it back healthy with the persisted overrides', async () => {
    const before = readPid(pidFile())!;
    const agentRss = rssMiB(agent!.pid);
    const dbRss = rssMiB(before);
    await api('stop_db');
    assert.equal(pidAlive(before), false, 'mariadbd is gone');
    await peer!.waitFor((e) => e.event === 'heartbeat' && (e.payload as { service_status: string }).service_status === 'shutdown', 10_000, 'shutdown heartbeat');
    const healthyBefore = heartbeats('healthy').length;
    await api('restart');
    const after = readPid(pidFile())!;
    assert.ok(after !== before && pidAlive(after), 'a new mariadbd runs');
    await peer!.waitFor(() => heartbeats('healthy').length > healthyBefore, 10_000, 'healthy heartbeat after restart');
    assert.deepEqual(await login('app', appPassword, 'SELECT @@global.back_log AS b, @@global.max_connections AS m'), [{ b: 99, m: 222 }]);
    console.log(`      RSS: agent ${agentRss.toFixed(1)} MiB, mariadbd ${dbRss.toFixed(1)} MiB (Trove template for a 1 GiB flavor)`);
  });

  it('no secret reached the agent log', () => {
    const cred = (user: string) => readFileSync(join(mount, 'conf.d', `${user}.cnf`), 'utf8').match(/^password = (.*)$/m)![1]!;
    const log = agent!.log.join('\n');
    assert.match(log, /completed setup/);
    for (const s of [...secrets, cred('root'), cred('os_admin')]) assert.ok(!log.includes(s), 'a secret is in the agent log');
  });
});
