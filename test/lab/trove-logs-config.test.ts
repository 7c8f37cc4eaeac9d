// Guest logs and configuration groups through the real Trove 18 in the lab,
// driven with the Debian `openstack` CLI (troveclient 8) as the tenant:
//  - logs: `database log list/set/save/tail` on a real instance; the lab guest
//    agent switches MariaDB's general log on (system override + SET GLOBAL),
//    publishes it to the tenant's Swift account through proxy.polex.io in
//    Trove's object layout (container database_logs, prefix <id>/mysql-general/,
//    metafile <id>/mysql-general_metafile), troveclient reads it back from Swift;
//    then disable and discard;
//  - configuration groups: a dynamic value (max_connections) takes effect at
//    attach and goes back at detach without a restart; a restart-required one
//    (innodb_buffer_pool_size) puts the instance in RESTART_REQUIRED and takes
//    effect (and goes back) only after `instance restart`. Values read with SQL
//    from the tenant network.
// Everything is deleted at the end and checked gone (Swift objects and
// container, instance, server, VM); no ERROR/Traceback in the Trove logs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { waitFor } from '../../lab/sh.ts';
import { controllers } from '../../lab/plan.ts';
import { serviceInstance } from '../../lab/contract.ts';
import { readSecret } from '../../lab/secrets.ts';
import { DATASTORE, FLAVOR, TROVE_SERVICES } from '../../lab/steps/trove.ts';
import { LAB_VMS_DIR } from '../../lab/steps/cloud.ts';
import { openstackCli, runner, type CliRun } from '../support/openstack-cli.ts';
import { ensureLabUp, say } from './support.ts';
import { deletedInstanceLogAllowance } from '../../lib/trove/instances.ts';
import { waitSqlLogin } from './trove-lab-cli.ts';

type Who = 'admin' | 'tenant';
const CONTAINER = 'database_logs';

describe('Trove guest logs and configuration groups (openstack CLI)', function () {
  before(function () {
  });
  this.timeout(20 * 60_000);
  let home = '';
  const logStart = new Map<string, number>();
  let instanceId = '';
  let serverId = '';
  let tenantIp = '';
  let configId = '';
  const deleted: string[] = [];
  const appPassword = randomBytes(18).toString('hex');
  const marker = `trove-ha-log-marker-${randomBytes(6).toString('hex')}`;
  const figures: string[] = [];

  const env = (who: Who): NodeJS.ProcessEnv => ({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    OS_AUTH_URL: 'http://198.18.0.10:5000/v3',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_USERNAME: who === 'admin' ? 'admin' : 'trove-ha-tenant',
    OS_PROJECT_NAME: who === 'admin' ? 'admin' : 'trove-ha-tenant',
    OS_PASSWORD: readSecret(who === 'admin' ? 'admin-password' : 'tenant-password'),
  });
  const run = { admin: runner(() => env('admin'), () => home), tenant: runner(() => env('tenant'), () => home) };
  const cli = { admin: openstackCli(run.admin), tenant: openstackCli(run.tenant) };
  const os = (who: Who, ...args: string[]) => cli[who].os(...args);
  const osJson = <T = any>(who: Who, ...args: string[]) => cli[who].osJson<T>(...args);
  const osRun = (who: Who, args: string[], timeoutMs = 180_000): Promise<CliRun> => run[who]('/usr/bin/openstack', args, timeoutMs);
  const redact = (text: string): string => text.split(appPassword).join('<secret>');
  /** python3 with the tenant's environment plus APP_PASSWORD (a password kept off the command line). */
  const runPy = runner(() => ({ ...env('tenant'), APP_PASSWORD: appPassword }), () => home);

  /** A SQL session from the harness's tenant leg as the troveclient-made user. */
  async function sql<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
    const c = await mysql.createConnection({ host: tenantIp, port: 3306, user: 'appuser', password: appPassword, database: 'appdb', connectTimeout: 5000 });
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }
  const globals = (...names: string[]) =>
    sql(async (c) => {
      const [rows] = (await c.query(`SELECT ${names.map((n) => `@@GLOBAL.${n} AS ${n}`).join(', ')}`)) as unknown as [Record<string, unknown>[]];
      return rows[0]!;
    });

  const instance = () => osJson('tenant', 'database', 'instance', 'show', instanceId);
  async function waitActive(what: string, timeoutMs = 300_000): Promise<number> {
    let last: any;
    const seen = new Set<string>();
    return waitFor(
      `${what}: Trove instance ${instanceId} ACTIVE/HEALTHY`,
      async () => {
        last = await instance();
        seen.add(`${last.status}/${last.operating_status ?? '-'}`);
        if (/ERROR/.test(String(last.status))) throw new Error(`instance went ${last.status} (${[...seen].join(' -> ')}): ${JSON.stringify(last.fault ?? '')}`);
        return last.status === 'ACTIVE' && last.operating_status === 'HEALTHY';
      },
      timeoutMs,
      1000,
    );
  }
  const logSet = async (log: string, flag: string): Promise<Record<string, any>> => {
    const r = await osRun('tenant', ['database', 'log', 'set', instanceId, log, flag, '-f', 'json']);
    assert.equal(r.code, 0, `log set ${log} ${flag} failed:\n${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as Record<string, any>;
  };
  const swiftObjects = async (who: Who, prefix: string): Promise<string[]> => {
    const r = await osRun(who, ['object', 'list', CONTAINER, '--prefix', prefix, '-f', 'json']);
    if (r.code !== 0 && /Not Found|404/i.test(r.stderr)) return [];
    assert.equal(r.code, 0, `object list failed:\n${r.stderr}`);
    return (JSON.parse(r.stdout) as { Name: string }[]).map((o) => o.Name);
  };

  const troveLogs = () => controllers.flatMap((n) => TROVE_SERVICES.map((svc) => serviceInstance(svc, n.name).log));
  function newLogLines(file: string): string[] {
    const from = logStart.get(file) ?? 0;
    const size = statSync(file).size;
    if (size <= from) return [];
    const buf = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n');
  }

  before(async function () {
    this.timeout(10 * 60_000);
    await ensureLabUp();
    home = mkdtempSync(join(tmpdir(), 'trove-ha-logs-config-test-'));
    for (const f of troveLogs()) logStart.set(f, existsSync(f) ? statSync(f).size : 0);
  });

  after(async function () {
    this.timeout(3 * 60_000);
    // Best effort: whatever a failed test left behind.
    if (instanceId) await osRun('admin', ['database', 'instance', 'force', 'delete', instanceId]);
    if (configId) await osRun('tenant', ['database', 'configuration', 'delete', configId]);
    if (home) rmSync(home, { recursive: true, force: true });
    if (figures.length) say(`figures: ${figures.join('; ')}`);
  });

  it('an instance with a database and a user reachable from the tenant network', async () => {
    const tenantNet = (await osJson<{ id: string }>('tenant', 'network', 'show', 'tenant')).id;
    const t0 = Date.now();
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-logs-config', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`);
    instanceId = inst.id;
    await waitActive('create', 300_000);
    figures.push(`create -> ACTIVE ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const show = await instance();
    tenantIp = /198\.18\.20\.\d+/.exec(JSON.stringify(show.addresses ?? show.ip ?? ''))?.[0] ?? '';
    assert.ok(tenantIp, `no tenant address: ${JSON.stringify(show.addresses ?? show.ip)}`);
    serverId = String((await osJson('admin', 'database', 'instance', 'show', instanceId)).server_id ?? '');
    assert.ok(serverId, 'no server_id in the admin view of the instance');
    await os('tenant', 'database', 'db', 'create', instanceId, 'appdb');
    // The password stays off the command line: troveclient in-process, password from the environment.
    const r = await runPy(
      '/usr/bin/python3',
      ['-c', `import os, sys\nfrom openstackclient import shell\nsys.exit(shell.main(['database', 'user', 'create', ${JSON.stringify(instanceId)}, 'appuser', os.environ['APP_PASSWORD'], '--databases', 'appdb']))`],
      120_000,
    );
    assert.equal(r.code, 0, `database user create failed:\n${redact(r.stderr + r.stdout)}`);
    const waited = await waitSqlLogin(tenantIp, 'appuser', appPassword, 'appdb');
    say(`first SQL login at ${tenantIp} after ${(waited / 1000).toFixed(1)} s`);
  });

  it('log list: the tenant sees general and slow_query (USER, Disabled); an admin also sees the SYS logs error and guest', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    const logs = await osJson<Record<string, any>[]>('tenant', 'database', 'log', 'list', instanceId);
    assert.deepEqual(
      logs.map((l) => [l.Name, l.Type, l.Status, l.Published, l.Container, l.Prefix]),
      [
        ['general', 'USER', 'Disabled', 0, 'None', 'None'],
        ['slow_query', 'USER', 'Disabled', 0, 'None', 'None'],
      ],
    );
    const admin = await osJson<Record<string, any>[]>('admin', 'database', 'log', 'list', instanceId);
    assert.deepEqual(admin.map((l) => `${l.Name}:${l.Type}`), ['general:USER', 'slow_query:USER', 'error:SYS', 'guest:SYS']);
    assert.equal(admin.find((l) => l.Name === 'error')!.Status, 'Ready', 'the error log has unpublished data');
    // A SYSTEM log cannot be switched, and the tenant may not see it.
    const enableSys = await osRun('admin', ['database', 'log', 'set', instanceId, 'error', '--enable']);
    assert.notEqual(enableSys.code, 0);
    assert.match(enableSys.stderr, /Cannot enable a SYSTEM log \('error'\)/);
    const showSys = await osRun('tenant', ['database', 'log', 'show', instanceId, 'error']);
    assert.notEqual(showSys.code, 0);
    assert.match(showSys.stderr, /You must be admin to show log 'error'/);
  });

  it('log enable general: the guest turns MariaDB\'s general log on at once (SET GLOBAL) and persists it', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    const t0 = Date.now();
    const shown = await logSet('general', '--enable');
    figures.push(`log enable ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(shown.name, 'general');
    assert.equal(shown.type, 'USER');
    assert.match(String(shown.status), /^(Enabled|Ready)$/);
    assert.equal(shown.metafile, `${instanceId}/mysql-general_metafile`);
    const g = await globals('general_log', 'general_log_file', 'log_output');
    assert.equal(Number(g.general_log), 1);
    assert.match(String(g.general_log_file), /\/mysql-general\.log$/);
    assert.equal(String(g.log_output), 'FILE');
    // Persisted as Trove's pre-user system override, so a restart keeps it.
    const vmRoot = join(LAB_VMS_DIR, serverId, 'root');
    const conf = join(vmRoot, 'var', 'lib', 'mysql', 'etc', 'conf.d', '10-system-001-enable_general_log.cnf');
    assert.ok(existsSync(conf), `${conf} missing`);
    assert.match(readFileSync(conf, 'utf8'), /^\[mysqld\]\ngeneral_log = on\ngeneral_log_file = \S+mysql-general\.log\nlog_output = file\n/);
  });

  it('statements made with SQL are published to Swift and read back by `log save` and `log tail`', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    await sql(async (c) => {
      await c.query(`SELECT '${marker}-1' AS m`);
      await c.query('CREATE TABLE log_probe (id INT PRIMARY KEY, v VARCHAR(64))');
      await c.query(`INSERT INTO log_probe VALUES (1, '${marker}-row')`);
    });
    const t0 = Date.now();
    const pub = await logSet('general', '--publish');
    const publishS = (Date.now() - t0) / 1000;
    figures.push(`log publish (first) ${publishS.toFixed(1)} s`);
    assert.ok(Number(pub.published) > 0, JSON.stringify(pub));
    assert.equal(pub.container, CONTAINER);
    assert.equal(pub.prefix, `${instanceId}/mysql-general/`);
    assert.match(String(pub.status), /^(Published|Partial)$/);

    // Trove's object layout in the tenant's account: one log-<utc time> object per publish and the metafile.
    const objects = await swiftObjects('tenant', `${instanceId}/`);
    const parts = objects.filter((o) => o.startsWith(`${instanceId}/mysql-general/log-`));
    assert.equal(parts.length, 1, objects.join(', '));
    assert.match(parts[0]!, /\/log-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    assert.ok(objects.includes(`${instanceId}/mysql-general_metafile`), objects.join(', '));
    const meta = JSON.parse(await os('tenant', 'object', 'save', CONTAINER, `${instanceId}/mysql-general_metafile`, '--file', '-')) as Record<string, unknown>;
    assert.equal(meta.log_name, 'general');
    assert.equal(meta.log_type, 'USER');
    assert.equal(meta.log_size, Number(pub.published));
    assert.match(String(meta.log_header_digest), /^[0-9a-f]{32}$/);
    // X-Object-Meta-Lines: what `log tail` counts lines with.
    const head = JSON.stringify(await osJson('tenant', 'object', 'show', CONTAINER, parts[0]!));
    assert.match(head, /Lines\W+[1-9]\d*/i, `no X-Object-Meta-Lines on ${parts[0]}: ${head}`);

    const file = join(home, 'general.log');
    const saved = await os('tenant', 'database', 'log', 'save', instanceId, 'general', '--file', file);
    assert.match(saved, new RegExp(`Log "general" written to ${file.replace(/[.]/g, '\\.')}`), saved);
    const text = readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`Query\\s+SELECT '${marker}-1' AS m`));
    assert.match(text, /Query\s+CREATE TABLE log_probe/);
    assert.match(text, new RegExp(`Query\\s+INSERT INTO log_probe VALUES \\(1, '${marker}-row'\\)`));
    assert.equal(Buffer.byteLength(text), Number(pub.published), 'log save returns exactly what was published');

    // A second publish uploads only what is new, as a second object.
    await sql((c) => c.query(`SELECT '${marker}-2' AS m`));
    const t1 = Date.now();
    const pub2 = await logSet('general', '--publish');
    figures.push(`log publish (incremental) ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    assert.ok(Number(pub2.published) > Number(pub.published));
    const parts2 = (await swiftObjects('tenant', `${instanceId}/mysql-general/`)).filter((o) => o.includes('/log-'));
    assert.equal(parts2.length, 2, parts2.join(', '));
    const tail = await os('tenant', 'database', 'log', 'tail', instanceId, 'general', '--lines', '500');
    assert.match(tail, new RegExp(`SELECT '${marker}-2' AS m`));
    assert.match(tail, new RegExp(`SELECT '${marker}-1' AS m`));
    say(`published ${pub2.published} bytes in ${parts2.length} objects; first publish ${publishS.toFixed(1)} s`);
  });

  it('log disable general: MariaDB stops writing it; log discard removes every object of it from Swift', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    const off = await logSet('general', '--disable');
    assert.equal(off.status, 'Disabled');
    assert.equal(Number((await globals('general_log')).general_log), 0);
    const before = (await osJson('tenant', 'database', 'log', 'show', instanceId, 'general')) as Record<string, any>;
    await sql((c) => c.query(`SELECT '${marker}-after-disable' AS m`));
    const after = (await osJson('tenant', 'database', 'log', 'show', instanceId, 'general')) as Record<string, any>;
    assert.equal(after.pending, before.pending, 'the general log grew while disabled');
    const gone = await logSet('general', '--discard');
    assert.equal(gone.published, 0);
    assert.equal(gone.container, 'None');
    assert.deepEqual(await swiftObjects('tenant', `${instanceId}/`), [], 'objects left in Swift after discard');
    const logs = await osJson<Record<string, any>[]>('tenant', 'database', 'log', 'list', instanceId);
    assert.deepEqual(logs.map((l) => `${l.Name}:${l.Status}:${l.Published}`), ['general:Disabled:0', 'slow_query:Disabled:0']);
  });

  it('configuration group: a dynamic value (max_connections) takes effect at attach and reverts at detach, no restart', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    const defaults = await globals('max_connections', 'innodb_buffer_pool_size');
    const cg = await osJson('tenant', 'database', 'configuration', 'create', 'trove-ha-cg', JSON.stringify({ max_connections: 151 }), '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version);
    configId = cg.id;
    assert.notEqual(Number(defaults.max_connections), 151);
    await os('tenant', 'database', 'configuration', 'attach', instanceId, configId);
    let show = await instance();
    assert.equal(show.status, 'ACTIVE', 'a dynamic-only group needs no restart');
    assert.equal(Number((await globals('max_connections')).max_connections), 151);
    await os('tenant', 'database', 'configuration', 'detach', instanceId);
    show = await instance();
    assert.equal(show.status, 'ACTIVE');
    assert.equal(Number((await globals('max_connections')).max_connections), Number(defaults.max_connections), 'max_connections back to the template default');
    await os('tenant', 'database', 'configuration', 'attach', instanceId, configId);
    assert.equal(Number((await globals('max_connections')).max_connections), 151);
    say(`defaults: max_connections ${defaults.max_connections}, innodb_buffer_pool_size ${defaults.innodb_buffer_pool_size}`);
  });

  it('configuration group: a restart-required value (innodb_buffer_pool_size) means RESTART_REQUIRED, then takes effect after a restart, and reverts after detach + restart', async () => {
    assert.ok(configId, 'no configuration group (previous test failed)');
    const defaults = await globals('innodb_buffer_pool_size');
    const target = 64 * 1024 * 1024;
    assert.notEqual(Number(defaults.innodb_buffer_pool_size), target);
    await os('tenant', 'database', 'configuration', 'parameter', 'set', configId, JSON.stringify({ innodb_buffer_pool_size: target }));
    let show = await instance();
    assert.equal(show.status, 'RESTART_REQUIRED');
    assert.equal(Number((await globals('innodb_buffer_pool_size')).innodb_buffer_pool_size), Number(defaults.innodb_buffer_pool_size), 'applied before the restart');
    const restart = async (what: string) => {
      const t0 = Date.now();
      await os('tenant', 'database', 'instance', 'restart', instanceId);
      await waitActive(what, 300_000);
      const s = (Date.now() - t0) / 1000;
      figures.push(`${what} ${s.toFixed(1)} s`);
      return s;
    };
    await restart('restart (group attached)');
    let g = await globals('innodb_buffer_pool_size', 'max_connections');
    assert.equal(Number(g.innodb_buffer_pool_size), target);
    assert.equal(Number(g.max_connections), 151);
    await os('tenant', 'database', 'configuration', 'detach', instanceId);
    show = await instance();
    assert.equal(show.status, 'RESTART_REQUIRED', 'detaching a group with a restart-required value');
    await restart('restart (group detached)');
    g = await globals('innodb_buffer_pool_size', 'max_connections');
    assert.equal(Number(g.innodb_buffer_pool_size), Number(defaults.innodb_buffer_pool_size));
    assert.notEqual(Number(g.max_connections), 151);
    await os('tenant', 'database', 'configuration', 'delete', configId);
    const left = await osJson<{ ID: string }[]>('tenant', 'database', 'configuration', 'list');
    assert.ok(!left.some((c) => c.ID === configId), 'configuration group still listed');
    configId = '';
  });

  it('instance delete: instance, server and VM gone; nothing of the logs left in Swift (the empty container removed)', async () => {
    assert.ok(instanceId, 'no instance');
    const id = instanceId;
    await os('tenant', 'database', 'instance', 'delete', id);
    // The list, not a show (which would call the dead guest; see deletedInstanceLogAllowance).
    deleted.push(id);
    await waitFor(`Trove instance ${id} gone from the instance list`, async () => !(await osJson<{ ID: string }[]>('tenant', 'database', 'instance', 'list')).some((i) => i.ID === id), 180_000, 1000);
    instanceId = '';
    if (serverId) {
      await waitFor(`server ${serverId} gone`, async () => !(await osJson<{ ID: string }[]>('admin', 'server', 'list', '--all-projects')).some((s) => s.ID === serverId), 120_000, 1000);
      assert.ok(!existsSync(join(LAB_VMS_DIR, serverId)), 'VM directory left behind');
    }
    // Trove's guest created database_logs in each account that listed logs (tenant, admin); Trove never removes it.
    for (const who of ['tenant', 'admin'] as const) {
      assert.deepEqual(await swiftObjects(who, `${id}/`), [], `${who}: log objects left`);
      const containers = (await osJson<{ Name: string }[]>(who, 'container', 'list')).map((c) => c.Name);
      if (containers.includes(CONTAINER)) {
        const all = await swiftObjects(who, '');
        if (all.length === 0) await os(who, 'container', 'delete', CONTAINER);
      }
    }
    assert.ok(!(await osJson<{ Name: string }[]>('tenant', 'container', 'list')).some((c) => c.Name === CONTAINER), 'database_logs still in the tenant account');
  });

  it('no ERROR or Traceback in any Trove service log since this file started, but the two refused log requests', () => {
    // trove-api's guest client logs every failed guest call with LOG.exception
    // ("Error calling <method>" + traceback) before answering the GuestError, and
    // the record's message is the remote error, whose text carries the guest's
    // traceback on unprefixed lines (seen in this lab: header "[-] Error calling
    // guest_log_action: trove.common.exception_Remote.BadRequest_Remote: ...", then
    // "Traceback (most recent call last):"). The SYSTEM-log enable and the tenant's
    // show of the error log above are two such requests. Lines of those records
    // (and of their request, where it has an id) are expected; every other
    // ERROR/CRITICAL record or Traceback line fails the test.
    const header = /^(\S+ \S+ \d+) ([A-Z]+) /;
    const requestOf = (line: string) => /\b(req-[0-9a-f]{8}-[0-9a-f-]{27})\b/.exec(line)?.[1] ?? null;
    const expectedRecord = /^\S+ \S+ \d+ ERROR trove\.guestagent\.api .*Error calling guest_log_action/;
    const unexplained: string[] = [];
    const expectedRequests = new Set<string>();
    const expectedKeys = new Set<string>();
    let explainedLines = 0;
    for (const file of troveLogs()) {
      if (!existsSync(file)) continue;
      let current: { key: string; req: string | null; line: string } | null = null;
      for (const line of newLogLines(file)) {
        const h = header.exec(line);
        // oslo.log prefixes an exception's traceback lines with time and pid but no request id: same record.
        if (h && !(current && current.key === h[1] && !requestOf(line))) current = { key: h[1]!, req: requestOf(line), line };
        const isError = !!h && /^(ERROR|CRITICAL)$/.test(h[2]!);
        if (!isError && !/Traceback/.test(line)) continue;
        if (isError && deletedInstanceLogAllowance(deleted).pattern.test(line)) explainedLines += 1;
        else if (isError && expectedRecord.test(line)) {
          expectedKeys.add(`${file} ${h![1]}`);
          if (current?.req) expectedRequests.add(current.req);
          explainedLines += 1;
        } else if (current && expectedKeys.has(`${file} ${current.key}`)) explainedLines += 1;
        else if (current?.req && expectedRequests.has(current.req)) explainedLines += 1;
        else unexplained.push(`${file}: ${line.slice(0, 300)}${h ? '' : `  (in: ${current?.line.slice(0, 200) ?? 'no record'})`}`);
      }
    }
    const expectedRecords = expectedKeys.size;
    say(`Trove logs: ${expectedRecords} expected 'Error calling guest_log_action' records (${explainedLines} lines), ${unexplained.length} unexplained ERROR/Traceback lines`);
    assert.deepEqual(unexplained.slice(0, 12), [], `${unexplained.length} unexplained ERROR/Traceback lines in the Trove logs`);
    assert.equal(expectedRecords, 2, 'one record per refused log request');
  });
});
