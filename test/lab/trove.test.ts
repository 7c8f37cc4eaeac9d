// Trove 18 and the lab cloud in the running lab, checked with real clients
// nobody here wrote: the Debian `openstack` CLI (openstackclient 6) against the
// lab cloud through the Keystone catalog, and its `database`/`datastore`
// commands (python3-troveclient 8) against the three trove-api behind the API
// VIP, with the admin and tenant credentials of the lab state (passwords from
// the secret files, handed over in the environment, never on a command line).
//
// A Trove instance is a real guest: the lab cloud's namespace driver boots a
// micro-VM (vm-<server id>) on trove-mgmt1 + tenant, runs the documents'
// cloud-init in it and Trove's injected files, and its supervisord runs the lab
// guest agent (lab/guest), which prepares MariaDB and heartbeats to the
// conductor through proxy.polex.io = the trove-mgmt1 VIP. So the instance goes
// BUILD -> ACTIVE/HEALTHY, databases and users made through troveclient are
// usable by a SQL client on the tenant network, and a plain delete removes the
// server and everything of its VM.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { waitSqlLogin } from './trove-lab-cli.ts';
import { deletedInstanceLogAllowance } from '../../lib/trove/instances.ts';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parse } from 'yaml';
import { waitFor } from '../../lab/sh.ts';
import { controllers } from '../../lab/plan.ts';
import { serviceInstance } from '../../lab/contract.ts';
import { readSecret } from '../../lab/secrets.ts';
import { DATASTORE, FLAVOR, TROVE_MGMT_NETWORK, TROVE_SERVICES } from '../../lab/steps/trove.ts';
import { labCloudUrls, LAB_VM_PREFIX, LAB_VMS_DIR } from '../../lab/steps/cloud.ts';
import { ensureLabUp, say } from './support.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * ERROR/Traceback lines Trove may log in this lab, each explained (anything
 * else in a Trove log fails the test). Each pattern matches the first line of an
 * oslo.log record; its traceback lines (same time, pid and ERROR prefix) go with it.
 * With a working guest there are none: start-up, create, show, db/user calls to
 * the guest, stop_db and delete all log at INFO/WARNING at most. (The allowances
 * of the guest-less lab - get_filesystem_stats timeouts, the create poll cut short
 * by a force delete - are gone with the BUILD-only path.)
 */
const EXPECTED: RegExp[] = []; // the deletion test adds the list's line for the instance it deletes

describe('Trove and the lab cloud with the openstack CLI', function () {
  this.timeout(15 * 60_000);
  let home = '';
  const logStart = new Map<string, number>();
  const made: { ports: string[]; groups: string[]; servers: string[]; instances: string[] } = { ports: [], groups: [], servers: [], instances: [] };
  let tenantNet = '';
  let instanceId = '';
  let serverId = '';
  let tenantIp = '';
  let createToActiveS = 0;
  const appPassword = randomBytes(18).toString('hex');

  /** The micro-VM of the instance's server (lab cloud namespace driver). */
  const vm = () => ({ ns: `${LAB_VM_PREFIX}${serverId}`, dir: join(LAB_VMS_DIR, serverId), log: join(LAB_VMS_DIR, serverId, 'log') });
  const sh = (argv: string[]): Run => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const status = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return '';
    }
  };
  /** Processes in the VM's network namespace, by PID. */
  const vmProcs = (ns: string) =>
    sh(['ip', 'netns', 'pids', ns])
      .stdout.split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .map((pid) => ({
        pid,
        comm: /^Name:\s+(\S+)/m.exec(status(pid))?.[1] ?? '?',
        rssKb: Number(/VmRSS:\s+(\d+)/.exec(status(pid))?.[1] ?? 0),
        cmd: (() => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
          } catch {
            return '';
          }
        })(),
      }));
  /** Any process that belongs to a VM directory (VM_ROOT in its environment, or the directory on its command line). */
  const processesOfVm = (dir: string): string[] =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .flatMap((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
          return readFileSync(`/proc/${p}/environ`, 'utf8').includes(`VM_ROOT=${dir}/`) || cmd.includes(dir) ? [`${p}: ${cmd}`] : [];
        } catch {
          return [];
        }
      });
  const redact = (text: string): string => text.split(appPassword).join('<secret>');

  const env = (who: 'admin' | 'tenant'): NodeJS.ProcessEnv => ({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home, // no clouds.yaml or caches from the operator's home
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
  const run = (who: 'admin' | 'tenant', args: string[], timeoutMs = 120_000): Promise<Run> =>
    new Promise((resolve, reject) => {
      // stdin /dev/null: OSC would read image data from a non-tty stdin.
      const p = spawn('/usr/bin/openstack', args, { env: env(who), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  /** python3 with the openstack CLI's environment (+ extra variables, e.g. a password kept off the command line). */
  const runPy = (who: 'admin' | 'tenant', code: string, extra: Record<string, string>, timeoutMs = 120_000): Promise<Run> =>
    new Promise((resolve, reject) => {
      const p = spawn('/usr/bin/python3', ['-c', code], { env: { ...env(who), ...extra }, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  const os = async (who: 'admin' | 'tenant', ...args: string[]): Promise<string> => {
    const r = await run(who, args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')} (as ${who}) failed:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const osJson = async <T = any>(who: 'admin' | 'tenant', ...args: string[]): Promise<T> => JSON.parse(await os(who, ...args, '-f', 'json')) as T;

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
    const up = await ensureLabUp();
    home = mkdtempSync(join(tmpdir(), 'trove-ha-trove-test-'));
    // Whole logs, start-up included, when this file (re)built Trove's step; else
    // from here on: a lab that was up before has history that is not this file's
    // (test/lab/scenarios.test.ts runs before it and kills RabbitMQ and Galera
    // nodes under Trove on purpose: its AMQP/DB reconnect ERRORs are expected there).
    const builtHere = up.steps.some((x) => x.name === 'trove' && x.action === 'applied');
    for (const f of troveLogs()) logStart.set(f, builtHere || !existsSync(f) ? 0 : statSync(f).size);
    say(`Trove logs checked ${builtHere ? 'whole (this file built Trove)' : 'from this file\'s start'}`);
    tenantNet = (await osJson<{ id: string }>('tenant', 'network', 'show', 'tenant')).id;
  });

  after(async function () {
    this.timeout(3 * 60_000);
    // Best effort: whatever a failed test left in the lab cloud.
    for (const id of made.instances) await run('admin', ['database', 'instance', 'force', 'delete', id]);
    for (const id of made.servers) await run('tenant', ['server', 'delete', '--wait', id]);
    for (const id of made.ports) await run('tenant', ['port', 'delete', id]);
    for (const id of made.groups) await run('tenant', ['security', 'group', 'delete', id]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the catalog lists the lab cloud (compute, network, image, volumev3) and Trove (database)', async () => {
    const catalog = await osJson<{ Type: string; Endpoints: { interface: string; url: string }[] | string }[]>('tenant', 'catalog', 'list');
    const types = catalog.map((c) => c.Type);
    for (const t of ['identity', 'object-store', 'compute', 'network', 'image', 'volumev3', 'database']) assert.ok(types.includes(t), `no ${t} in the catalog (have ${types.join(', ')})`);
    const text = JSON.stringify(catalog);
    const u = labCloudUrls();
    for (const url of [u.compute, u.network, u.image, 'http://198.18.0.10:8779/v1.0/']) assert.ok(text.includes(url), `no endpoint ${url} in the catalog`);
  });

  it('flavor, image, networks and subnets of the lab are there as Trove needs them', async () => {
    const flavor = await osJson('tenant', 'flavor', 'show', FLAVOR.name);
    assert.equal(flavor['OS-FLV-EXT-DATA:ephemeral'], FLAVOR.ephemeral);
    const image = await osJson('tenant', 'image', 'show', DATASTORE.image);
    assert.equal(image.status, 'active');
    assert.equal(image.properties?.trove_role ?? image.trove_role, 'database', JSON.stringify(image.properties));
    const nets = (await osJson<{ Name: string }[]>('tenant', 'network', 'list')).map((n) => n.Name).sort();
    for (const n of ['tenant', 'trove-mgmt1', 'trove-mgmt2', 'trove-mgmt3']) assert.ok(nets.includes(n), `network ${n} missing (have ${nets.join(', ')})`);
    for (const [i, n] of ['trove-mgmt1', 'trove-mgmt2', 'trove-mgmt3'].entries()) {
      const net = await osJson('tenant', 'network', 'show', n);
      assert.equal(net.shared, true, `${n} is not shared`);
      const sub = await osJson('tenant', 'subnet', 'show', `${n}-subnet`);
      assert.equal(sub.cidr, `198.18.1${i}.0/24`);
      assert.equal(sub.gateway_ip, null, `${n}-subnet has a gateway`);
      assert.deepEqual(sub.allocation_pools, [{ start: `198.18.1${i}.6`, end: `198.18.1${i}.254` }]);
    }
    const tenantSub = await osJson('tenant', 'subnet', 'show', 'tenant-subnet');
    assert.deepEqual(tenantSub.allocation_pools, [{ start: '198.18.20.100', end: '198.18.20.250' }]);
  });

  it('security group with VRRP rule, port with allowed-address-pairs and a server on it (as the documents build the HAProxy VMs)', async () => {
    const sg = await osJson('tenant', 'security', 'group', 'create', 'trove-ha-test-sg', '--description', 'lab test');
    made.groups.push(sg.id);
    const vrrp = await osJson('tenant', 'security', 'group', 'rule', 'create', sg.id, '--ingress', '--protocol', 'vrrp');
    assert.equal(vrrp.protocol, 'vrrp');
    const tcp = await osJson('tenant', 'security', 'group', 'rule', 'create', sg.id, '--ingress', '--protocol', 'tcp', '--dst-port', '5670:5672');
    assert.equal(tcp.port_range_min, 5670);
    const rules = await osJson<unknown[]>('tenant', 'security', 'group', 'rule', 'list', sg.id);
    assert.ok(rules.length >= 4, `security group rules: ${rules.length}`); // 2 default egress + 2
    const port = await osJson('tenant', 'port', 'create', '--network', 'trove-mgmt2', '--security-group', sg.id, '--allowed-address', 'ip-address=198.18.11.5', 'trove-ha-test-port');
    made.ports.push(port.id);
    assert.deepEqual(port.allowed_address_pairs.map((p: { ip_address: string }) => p.ip_address), ['198.18.11.5']);
    assert.match(JSON.stringify(port.fixed_ips), /198\.18\.11\.(\d+)/);
    // A micro-VM of the datastore image (role database) without Trove's user_data:
    // it boots (ACTIVE); its guest agent finds no injected config and stays down.
    const server = await osJson('tenant', 'server', 'create', '--flavor', FLAVOR.name, '--image', DATASTORE.image, '--port', port.id, '--wait', 'trove-ha-test-vm');
    made.servers.push(server.id);
    assert.equal(server.status, 'ACTIVE');
    const listed = await osJson<{ ID: string; Networks: Record<string, string[]> | string }[]>('tenant', 'server', 'list');
    assert.ok(listed.some((s) => s.ID === server.id), 'the new server is not listed');
    await os('tenant', 'server', 'delete', '--wait', server.id);
    made.servers.splice(made.servers.indexOf(server.id), 1);
    await os('tenant', 'port', 'delete', port.id);
    made.ports.splice(made.ports.indexOf(port.id), 1);
    await os('tenant', 'security', 'group', 'delete', sg.id);
    made.groups.splice(made.groups.indexOf(sg.id), 1);
  });

  it(`datastore ${DATASTORE.name} ${DATASTORE.version} is registered, with its configuration parameters`, async () => {
    // troveclient 8 names these `openstack datastore ...` (no `database` prefix).
    const ds = await osJson<{ Name: string }[]>('tenant', 'datastore', 'list');
    assert.ok(ds.some((d) => d.Name === DATASTORE.name), `datastores: ${ds.map((d) => d.Name).join(', ')}`);
    const versions = await osJson<{ Name: string }[]>('tenant', 'datastore', 'version', 'list', DATASTORE.name);
    // Other lab tests may register versions of their own (provision.test.ts): ours must be there.
    assert.ok(versions.map((v) => v.Name).includes(DATASTORE.version), `versions: ${versions.map((v) => v.Name).join(', ')}`);
    const params = await osJson<{ Name: string }[]>('tenant', 'database', 'configuration', 'parameter', 'list', DATASTORE.version, '--datastore', DATASTORE.name);
    const names = params.map((p) => p.Name);
    assert.ok(names.length > 50, `only ${names.length} configuration parameters`);
    for (const p of ['max_connections', 'innodb_buffer_pool_size', 'wait_timeout']) assert.ok(names.includes(p), `parameter ${p} missing`);
    say(`datastore ${DATASTORE.name} ${DATASTORE.version}: ${names.length} configuration parameters`);
  });

  it('instance create with a tenant NIC: BUILD, a lab cloud server with Trove\'s user_data, then ACTIVE with operating_status HEALTHY', async () => {
    const t0 = Date.now();
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-test-db', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`);
    made.instances.push(inst.id);
    instanceId = inst.id;
    assert.equal(inst.status, 'BUILD');
    // The taskmanager works asynchronously: wait (bounded) for its server.
    let server: any;
    await waitFor(
      `a lab cloud server for Trove instance ${inst.id}`,
      async () => {
        const all = await osJson<{ ID: string }[]>('admin', 'server', 'list', '--all-projects');
        for (const s of all) {
          const show = await osJson('admin', '--os-compute-api-version', '2.3', 'server', 'show', s.ID);
          if (JSON.stringify(show.properties ?? show.metadata ?? '').includes(inst.id)) server = show;
        }
        return !!server;
      },
      90_000,
      1000,
    );
    serverId = server.id;
    say(`instance ${inst.id}: server ${server.id} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const addresses = JSON.stringify(server.addresses);
    assert.match(addresses, /tenant/, 'no tenant port');
    assert.match(addresses, new RegExp(TROVE_MGMT_NETWORK), 'no management port');
    // user_data (admin, microversion >= 2.3): the datastore cloud-init, then Trove's cloud-config.
    const ud = Buffer.from(String(server['OS-EXT-SRV-ATTR:user_data'] ?? ''), 'base64').toString('utf8');
    assert.ok(ud.startsWith('#cloud-config\n'), 'user_data is not cloud-config');
    const doc = parse(ud) as { bootcmd: unknown[][]; write_files: { path: string; content: string; encoding: string; owner: string }[] };
    assert.deepEqual([...new Set(doc.write_files.map((f) => f.owner))], ['root:root'], 'injected_config_owner/group');
    const files = new Map(doc.write_files.map((f) => [f.path, Buffer.from(f.content, 'base64').toString('utf8')]));
    const info = files.get('/etc/trove/conf.d/guest_info.conf') ?? '';
    assert.match(info, new RegExp(`guest_id=${inst.id}`));
    assert.match(info, /datastore_manager=mysql/);
    assert.match(info, /instance_rpc_encr_key=\S+/, 'secure RPC is on: guest_info carries the instance key');
    const guestConf = files.get('/etc/trove/conf.d/trove-guestagent.conf') ?? '';
    // Checked without printing: the file holds the AMQP password.
    assert.ok(/transport_url = rabbit:\/\/trove:[^@\s]+@proxy\.polex\.io:5670,trove:[^@\s]+@proxy\.polex\.io:5671,trove:[^@\s]+@proxy\.polex\.io:5672\/trove\n/.test(guestConf), 'guest transport_url is not the three proxy.polex.io ports');
    assert.ok(guestConf.includes('control_exchange = trove\n'), 'guest control_exchange');
    assert.ok(guestConf.includes('swift_url = http://proxy.polex.io:8080/v1/AUTH_'), 'guest swift_url is not proxy.polex.io');
    assert.ok(!/198\.18\.0\./.test(guestConf), 'the guest config names an admin-network address');

    // BUILD -> ACTIVE: the guest agent in the micro-VM prepares MariaDB and its
    // heartbeats reach the conductor; the taskmanager polls every usage_sleep_time (5 s).
    let last: any;
    const seen = new Set<string>();
    await waitFor(
      `Trove instance ${inst.id} ACTIVE with operating_status HEALTHY`,
      async () => {
        last = await osJson('tenant', 'database', 'instance', 'show', inst.id);
        seen.add(`${last.status}/${last.operating_status ?? '-'}`);
        if (/ERROR/.test(String(last.status))) throw new Error(`instance went ${last.status}: ${JSON.stringify(last.fault ?? '')} (VM log: ${vm().log})`);
        return last.status === 'ACTIVE' && last.operating_status === 'HEALTHY';
      },
      300_000,
      1000,
    );
    createToActiveS = (Date.now() - t0) / 1000;
    say(`create -> ACTIVE/HEALTHY: ${createToActiveS.toFixed(1)} s (states seen: ${[...seen].join(' -> ')})`);
    tenantIp = /198\.18\.20\.\d+/.exec(JSON.stringify(last.addresses ?? last.ip ?? ''))?.[0] ?? '';
    assert.ok(tenantIp, `no tenant address in instance show: ${JSON.stringify(last.addresses ?? last.ip)}`);
    assert.ok(!/198\.18\.1\d\./.test(JSON.stringify(last.addresses ?? last.ip ?? '')), 'instance show lists the management address');
    const list = await osJson<{ ID: string; Status: string }[]>('tenant', 'database', 'instance', 'list');
    assert.equal(list.find((i) => i.ID === inst.id)?.Status, 'ACTIVE');
  });

  it('the micro-VM: the documents\' /etc/hosts line, no route to the admin network, AMQP only through the trove-mgmt1 VIP, MariaDB as mysql on the tenant address under the VM\'s directory', async () => {
    assert.ok(serverId, 'no server (previous test failed)');
    const v = vm();
    const hosts = sh(['ip', 'netns', 'exec', v.ns, 'cat', '/etc/hosts']);
    assert.match(hosts.stdout, /^198\.18\.10\.5\s+proxy\.polex\.io$/m, `the VM's /etc/hosts has no proxy line:\n${hosts.stdout}`);
    // Reachable: its own management VIP. Not reachable: a controller on the admin network.
    assert.equal(sh(['ip', 'netns', 'exec', v.ns, 'ping', '-c1', '-W1', '198.18.10.5']).code, 0, 'the VM cannot ping its trove-mgmt1 VIP');
    assert.notEqual(sh(['ip', 'netns', 'exec', v.ns, 'ping', '-c1', '-W1', '198.18.0.11']).code, 0, 'the VM reaches ctl1 on the admin network');
    assert.doesNotMatch(sh(['ip', '-n', v.ns, 'route', 'show']).stdout, /^default/m, 'the VM has a default route');
    // The agent's AMQP connections: all to the VIP's 5670-5672 (HAProxy on ha1/ha2 -> ctl1-3:5672).
    const est = sh(['ip', 'netns', 'exec', v.ns, 'ss', '-Htn', 'state', 'established']).stdout;
    const peers = [...est.matchAll(/\s(\d+\.\d+\.\d+\.\d+):(\d+)\s*$/gm)].map((m) => `${m[1]}:${m[2]}`);
    const amqp = peers.filter((p) => /:567\d$/.test(p));
    assert.ok(amqp.length >= 1, `no AMQP connection from the VM (established: ${peers.join(' ')})`);
    assert.deepEqual([...new Set(amqp.map((p) => p.split(':')[0]))], ['198.18.10.5'], `AMQP peers: ${amqp.join(' ')}`);
    // What Trove injected is what the agent read.
    const agentLog = readFileSync(join(v.dir, 'log', 'guest-agent.log'), 'utf8');
    assert.match(agentLog, new RegExp(`guest ${instanceId} \\(mysql 5\\.7\\.29\\): topic guestagent\\.${instanceId} on exchange trove, hosts .*proxy\\.polex\\.io.*, secure RPC on`));
    const manifest = JSON.parse(readFileSync(join(v.dir, 'vm.json'), 'utf8')) as { role: string; programs: { command: string }[]; warnings: string[] };
    assert.equal(manifest.role, 'database');
    assert.match(manifest.programs[0]!.command, /^\/\S+\/node --import file:\/\/\/\S+\/node_modules\/tsx\/dist\/loader\.mjs \/\S+\/lab\/guest\/main\.ts --config-dir \/etc\/trove\/conf\.d$/);
    // The VM's processes: supervisord, the agent (node), mariadbd as user mysql with its files under the VM directory.
    const procs = vmProcs(v.ns);
    const mariadbd = procs.find((p) => p.comm === 'mariadbd');
    assert.ok(mariadbd, `no mariadbd in ${v.ns}: ${procs.map((p) => p.comm).join(' ')}`);
    const mysqlUid = /^mysql:x:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))![1];
    assert.equal(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${mariadbd.pid}/status`, 'utf8'))![1], mysqlUid, 'mariadbd does not run as mysql');
    assert.ok(mariadbd.cmd.includes(`--defaults-file=${join(v.dir, 'root', 'var', 'lib', 'mysql')}/`), mariadbd.cmd);
    assert.ok(existsSync(join(v.dir, 'root', 'var', 'lib', 'mysql', 'data', 'mysql')), 'no datadir under the VM directory');
    assert.ok(existsSync(join(v.dir, 'root', 'opt', 'trove-guestagent', '.guestagent.prepare.end')), 'no prepare marker under the VM directory');
    const listen = sh(['ip', 'netns', 'exec', v.ns, 'ss', '-Hltn']).stdout;
    assert.match(listen, new RegExp(`${tenantIp.replace(/\./g, '\\.')}:3306\\b`), `MariaDB does not listen on ${tenantIp}:3306:\n${listen}`);
    assert.doesNotMatch(listen, /(0\.0\.0\.0|\*|198\.18\.1\d\.\d+):3306\b/, 'MariaDB listens beyond the tenant address');
    const rss = (comm: RegExp) => procs.filter((p) => comm.test(p.comm)).reduce((s, p) => s + p.rssKb, 0) / 1024;
    say(`VM ${v.ns}: ${procs.length} processes, RSS ${rss(/./).toFixed(0)} MiB (supervisord ${rss(/^supervisord$/).toFixed(0)}, agent ${rss(/^(node|MainThread)$/).toFixed(0)}, mariadbd ${rss(/^mariadbd$/).toFixed(0)})`);
  });

  it('database and user through troveclient, then a real SQL login from the tenant network (198.18.20.1) reads and writes', async () => {
    assert.ok(tenantIp, 'no instance (previous test failed)');
    const id = instanceId;
    await os('tenant', 'database', 'db', 'create', id, 'appdb');
    // `openstack database user create <inst> <name> <password> --databases appdb`,
    // run in-process so the password is in the environment, not on a command line.
    const r = await runPy('tenant', `import os, sys\nfrom openstackclient import shell\nsys.exit(shell.main(['database', 'user', 'create', ${JSON.stringify(id)}, 'appuser', os.environ['APP_PASSWORD'], '--databases', 'appdb']))`, { APP_PASSWORD: appPassword });
    assert.equal(r.code, 0, `database user create failed:\n${redact(r.stderr + r.stdout)}`);
    const dbs = (await osJson<{ Name: string }[]>('tenant', 'database', 'db', 'list', id)).map((d) => d.Name);
    assert.ok(dbs.includes('appdb'), `databases: ${dbs.join(', ')}`);
    const users = await osJson<{ Name: string; Host: string; Databases: string }[]>('tenant', 'database', 'user', 'list', id);
    const u = users.find((x) => x.Name === 'appuser');
    assert.ok(u, `users: ${JSON.stringify(users)}`);
    assert.equal(u.Host, '%');
    assert.match(String(u.Databases), /appdb/);
    // An address reused from a just-deleted VM answers only once the harness's ARP entry is renewed (bounded).
    const waited = await waitSqlLogin(tenantIp, 'appuser', appPassword, 'appdb');
    if (waited > 1000) say(`first SQL login after ${(waited / 1000).toFixed(1)} s`);
    const c = await mysql.createConnection({ host: tenantIp, port: 3306, user: 'appuser', password: appPassword, database: 'appdb', connectTimeout: 5000 });
    try {
      const [who] = (await c.query('SELECT USER() AS u')) as unknown as [{ u: string }[]];
      assert.equal(who[0]!.u, 'appuser@198.18.20.1', 'the login does not come from the harness tenant leg');
      await c.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(32))');
      await c.query('INSERT INTO t VALUES (1, ?), (2, ?)', ['one', 'two']);
      const [rows] = (await c.query('SELECT id, v FROM t ORDER BY id')) as unknown as [{ id: number; v: string }[]];
      assert.deepEqual(rows.map((x) => ({ ...x })), [{ id: 1, v: 'one' }, { id: 2, v: 'two' }]);
      await assert.rejects(c.query('SELECT COUNT(*) FROM mysql.user'), /denied/i, 'appuser reads mysql.user');
    } finally {
      await c.end();
    }
  });

  it('instance delete (plain): the server and its micro-VM go, nothing left behind', async () => {
    assert.ok(instanceId, 'no instance (previous test failed)');
    const id = instanceId;
    const v = vm();
    const t0 = Date.now();
    await os('tenant', 'database', 'instance', 'delete', id);
    await waitFor(`the lab cloud server ${serverId} of Trove instance ${id} gone`, async () => !(await osJson<{ ID: string }[]>('admin', 'server', 'list', '--all-projects')).some((s) => s.ID === serverId), 120_000, 1000);
    // The list, not a show (which would call the dead guest; see deletedInstanceLogAllowance).
    EXPECTED.push(deletedInstanceLogAllowance([id]).pattern);
    await waitFor(`Trove instance ${id} gone from the instance list`, async () => !(await osJson<{ ID: string }[]>('tenant', 'database', 'instance', 'list')).some((i) => i.ID === id), 60_000, 1000);
    made.instances.splice(made.instances.indexOf(id), 1);
    say(`instance delete -> instance, server and VM gone in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ports = await osJson<{ Name: string }[]>('admin', 'port', 'list');
    assert.ok(!ports.some((p) => p.Name === `trove-${id}`), 'Trove left its ports behind');
    assert.ok(!sh(['ip', 'netns', 'list']).stdout.split('\n').some((l) => l.startsWith(`${v.ns} `) || l === v.ns), `namespace ${v.ns} left behind`);
    assert.ok(!existsSync(v.dir), `${v.dir} left behind`);
    assert.ok(!existsSync(`/etc/netns/${v.ns}`), `/etc/netns/${v.ns} left behind`);
    assert.deepEqual(processesOfVm(v.dir), [], 'VM processes left running');
    assert.doesNotMatch(sh(['ip', '-n', 'lab-sw', 'link', 'show']).stdout, new RegExp(`v${serverId.replace(/-/g, '').slice(0, 6)}\\d`), 'switch-side veths left behind');
  });

  it('no unexplained ERROR or Traceback in any Trove service log (start-up included)', () => {
    const unexplained: string[] = [];
    let expected = 0;
    // oslo.log repeats "<date> <time> <pid> ERROR <logger>" on every line of a
    // record (its traceback too): continuation lines of an expected record are expected.
    const expectedRecords = new Set<string>();
    for (const file of troveLogs()) {
      for (const line of newLogLines(file)) {
        // The level column of an oslo.log line (an INFO "... status to ERROR" is not one).
        if (!/^\S+ \S+ \d+ (ERROR|CRITICAL) /.test(line) && !/Traceback/.test(line)) continue;
        const record = /^(\S+ \S+ \d+) ERROR /.exec(line)?.[1];
        if (EXPECTED.some((re) => re.test(line))) {
          if (record) expectedRecords.add(`${file} ${record}`);
          expected += 1;
        } else if (record && expectedRecords.has(`${file} ${record}`)) expected += 1;
        else unexplained.push(`${file}: ${line.slice(0, 300)}`);
      }
    }
    say(`Trove logs: ${expected} ERROR/Traceback lines expected (explained), ${unexplained.length} unexplained`);
    // First lines of records first: the tracebacks under them say less.
    const heads = unexplained.filter((l) => / ERROR \S+ \[/.test(l));
    assert.deepEqual([...heads, ...unexplained].slice(0, 12), [], `${unexplained.length} unexplained ERROR/Traceback lines in the Trove logs`);
  });
});
