// Trove 18 and the lab cloud in the running lab, checked with real clients
// nobody here wrote: the Debian `openstack` CLI (openstackclient 6) against the
// lab cloud through the Keystone catalog, and its `database`/`datastore`
// commands (python3-troveclient 8) against the three trove-api behind the API
// VIP, with the admin and tenant credentials of the lab state (passwords from
// the secret files, handed over in the environment, never on a command line).
//
// No guest agent exists yet, so an instance stays in BUILD: what is checked is
// what is true now: the create is accepted, the taskmanager really made a server
// in the lab cloud with Trove's user_data (the cloud-init of the datastore with
// the documents' script, guest_info.conf, the guest config pointing at
// proxy.polex.io), list/show see it, and a delete leaves no server behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { waitFor } from '../../lab/sh.ts';
import { controllers } from '../../lab/plan.ts';
import { serviceInstance } from '../../lab/contract.ts';
import { readSecret } from '../../lab/secrets.ts';
import { DATASTORE, FLAVOR, TROVE_MGMT_NETWORK, TROVE_SERVICES } from '../../lab/steps/trove.ts';
import { labCloudUrls } from '../../lab/steps/cloud.ts';
import { ensureLabUp, say } from './support.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * ERROR/Traceback lines Trove logs in this lab that are expected while no guest
 * agent exists (anything else in a Trove log fails the test):
 *  - get_filesystem_stats / MessagingTimeout / GuestError: trove-api asks the
 *    guest for its filesystem stats when it shows an instance that is not in
 *    BUILD (here: after `force delete` reset it to ERROR); nobody answers the
 *    RPC call, and Trove logs the timeout as ERROR with two tracebacks.
 *  - the create task's wait for the guest, cut short by the delete: the
 *    taskmanager that created the instance polls Nova until the guest reports
 *    (never, here, before usage_timeout). Deleting the instance in BUILD removes
 *    the server under that poll: "looping call ... poll_and_check failed:
 *    TroveError: Failed to get server <s> for instance <i>" (novaclient 404), then
 *    either "has been deleted during waiting for creation" (WARNING, done) or, when
 *    the instance row is already gone, "Failed to create instance <i>, error:
 *    Failed to get server ...", "Service status: ERROR, service error
 *    description: guestagent error: ... Failed to get server ..." and the RPC
 *    server's "Exception during message handling: ModelNotFoundError: DBInstance
 *    Not Found" (the create task updating the deleted row). With a guest the build
 *    ends long before any delete and this poll is gone.
 * (The delete's `stop_db` call to the missing guest fails too, but Trove logs that
 * at WARNING only.) Each pattern matches the first line of an oslo.log record; its
 * traceback lines (same time, pid and ERROR prefix) go with it.
 */
const EXPECTED_WITHOUT_GUEST = [
  /get_filesystem_stats|MessagingTimeout|GuestError|communicating with the guest/,
  /Failed to get server \S+ for instance/,
  /Exception during message handling: trove\.common\.exception\.ModelNotFoundError: DBInstance Not Found/,
];

describe('Trove and the lab cloud with the openstack CLI', function () {
  this.timeout(15 * 60_000);
  let home = '';
  const logStart = new Map<string, number>();
  const made: { ports: string[]; groups: string[]; servers: string[]; instances: string[] } = { ports: [], groups: [], servers: [], instances: [] };
  let tenantNet = '';

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
    await ensureLabUp();
    home = mkdtempSync(join(tmpdir(), 'trove-ha-trove-test-'));
    // Whole logs, start-up included (lab.test.ts built this lab; a lab left up
    // longer has more history, all of it Trove's).
    for (const f of troveLogs()) logStart.set(f, 0);
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
    assert.deepEqual(versions.map((v) => v.Name), [DATASTORE.version]);
    const params = await osJson<{ Name: string }[]>('tenant', 'database', 'configuration', 'parameter', 'list', DATASTORE.version, '--datastore', DATASTORE.name);
    const names = params.map((p) => p.Name);
    assert.ok(names.length > 50, `only ${names.length} configuration parameters`);
    for (const p of ['max_connections', 'innodb_buffer_pool_size', 'wait_timeout']) assert.ok(names.includes(p), `parameter ${p} missing`);
    say(`datastore ${DATASTORE.name} ${DATASTORE.version}: ${names.length} configuration parameters`);
  });

  it('instance create: BUILD, and the taskmanager made a server in the lab cloud with Trove\'s user_data', async () => {
    const t0 = Date.now();
    const inst = await osJson('tenant', 'database', 'instance', 'create', 'trove-ha-test-db', '--flavor', FLAVOR.name, '--datastore', DATASTORE.name, '--datastore-version', DATASTORE.version, '--nic', `net-id=${tenantNet}`);
    made.instances.push(inst.id);
    assert.equal(inst.status, 'BUILD');
    // The taskmanager works asynchronously: wait (bounded) for its server.
    let server: any;
    const ms = await waitFor(
      `a lab cloud server for Trove instance ${inst.id}`,
      async () => {
        const all = await osJson<{ ID: string }[]>('admin', 'server', 'list', '--all-projects', '--long');
        for (const s of all) {
          const show = await osJson('admin', '--os-compute-api-version', '2.3', 'server', 'show', s.ID);
          if (JSON.stringify(show.properties ?? show.metadata ?? '').includes(inst.id)) server = show;
        }
        return !!server;
      },
      90_000,
      1000,
    );
    say(`instance ${inst.id}: server ${server.id} after ${((Date.now() - t0) / 1000).toFixed(1)} s (${(ms / 1000).toFixed(1)} s of polling)`);
    assert.equal(server.status, 'ACTIVE'); // NullVmDriver: nothing boots, Nova says ACTIVE
    const addresses = JSON.stringify(server.addresses);
    assert.match(addresses, /tenant/, 'no tenant port');
    assert.match(addresses, new RegExp(TROVE_MGMT_NETWORK), 'no management port');
    // user_data (admin, microversion >= 2.3): the datastore cloud-init, then Trove's cloud-config.
    const ud = Buffer.from(String(server['OS-EXT-SRV-ATTR:user_data'] ?? ''), 'base64').toString('utf8');
    assert.ok(ud.startsWith('#cloud-config\n'), 'user_data is not cloud-config');
    const doc = parse(ud) as { bootcmd: unknown[][]; write_files: { path: string; content: string; encoding: string }[] };
    const files = new Map(doc.write_files.map((f) => [f.path, Buffer.from(f.content, 'base64').toString('utf8')]));
    const info = files.get('/etc/trove/conf.d/guest_info.conf') ?? '';
    assert.match(info, new RegExp(`guest_id=${inst.id}`));
    assert.match(info, /datastore_manager=mysql/);
    assert.match(info, /instance_rpc_encr_key=\S+/, 'secure RPC is on: guest_info carries the instance key');
    const guestConf = files.get('/etc/trove/conf.d/trove-guestagent.conf') ?? '';
    // Checked without printing: the file holds the AMQP password.
    assert.ok(/transport_url = rabbit:\/\/trove:[^@\s]+@proxy\.polex\.io:5670,trove:[^@\s]+@proxy\.polex\.io:5671,trove:[^@\s]+@proxy\.polex\.io:5672\/trove\n/.test(guestConf), 'guest transport_url is not the three proxy.polex.io ports');
    assert.ok(guestConf.includes('swift_url = http://proxy.polex.io:8080/v1/AUTH_'), 'guest swift_url is not proxy.polex.io');
    assert.ok(!/198\.18\.0\./.test(guestConf), 'the guest config names an admin-network address');
    // The documents' cloud-init script, run as the VM would (hostname -I of this
    // server's ports, /etc/hosts a scratch copy): it names the VIP of its trove-mgmt network.
    const script = String(doc.bootcmd[0]![2]);
    const ips = (addresses.match(/198\.18\.\d+\.\d+/g) ?? []).join(' ');
    const dir = mkdtempSync(join(home, 'cloudinit-'));
    writeFileSync(join(dir, 'hostname'), `#!/bin/sh\necho '${ips}'\n`);
    chmodSync(join(dir, 'hostname'), 0o755);
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
    const r = await new Promise<Run>((resolve) => {
      const p = spawn('bash', ['-c', script.replaceAll('/etc/hosts', join(dir, 'hosts'))], { env: { PATH: `${dir}:/usr/bin:/bin` }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(dir, 'hosts'), 'utf8'), /^198\.18\.10\.5\s+proxy\.polex\.io$/m, `cloud-init wrote no proxy line for ${ips}`);
  });

  it('instance list and show see it in BUILD', async () => {
    const id = made.instances[0]!;
    const list = await osJson<{ ID: string; Status: string }[]>('tenant', 'database', 'instance', 'list');
    assert.equal(list.find((i) => i.ID === id)?.Status, 'BUILD');
    const show = await osJson('tenant', 'database', 'instance', 'show', id);
    assert.equal(show.status, 'BUILD');
    assert.equal(show.datastore, DATASTORE.name);
    assert.equal(show.datastore_version, DATASTORE.version);
  });

  it('delete of a BUILD instance: Trove refuses a plain delete (422); force delete removes it and its server', async () => {
    const id = made.instances[0]!;
    const plain = await run('tenant', ['database', 'instance', 'delete', id]);
    assert.notEqual(plain.code, 0, 'Trove 18 deleted an instance in BUILD');
    assert.match(plain.stderr + plain.stdout, /not ready|Status is BUILD|422/);
    // force delete = reset_status (admin-only policy) + delete.
    const t0 = Date.now();
    await os('admin', 'database', 'instance', 'force', 'delete', id);
    // Poll the lab cloud only: showing the instance while it is ERROR/DELETING
    // makes trove-api wait 15 s for get_filesystem_stats from a guest that is not there.
    await waitFor(
      `the lab cloud server of Trove instance ${id} gone`,
      async () => !(await osJson<{ ID: string; Name: string }[]>('admin', 'server', 'list', '--all-projects')).some((s) => s.Name === 'trove-ha-test-db'),
      120_000,
      1000,
    );
    await waitFor(`Trove instance ${id} gone`, async () => (await run('tenant', ['database', 'instance', 'show', id])).code !== 0, 60_000, 1000);
    made.instances.splice(0, 1);
    say(`force delete -> instance and server gone in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ports = await osJson<{ Name: string }[]>('admin', 'port', 'list');
    assert.ok(!ports.some((p) => p.Name === `trove-${id}`), 'Trove left its ports behind');
    const list = await osJson<{ ID: string }[]>('tenant', 'database', 'instance', 'list');
    assert.ok(!list.some((i) => i.ID === id), 'the instance is still listed');
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
        if (EXPECTED_WITHOUT_GUEST.some((re) => re.test(line))) {
          if (record) expectedRecords.add(`${file} ${record}`);
          expected += 1;
        } else if (record && expectedRecords.has(`${file} ${record}`)) expected += 1;
        else unexplained.push(`${file}: ${line.slice(0, 300)}`);
      }
    }
    say(`Trove logs: ${expected} ERROR/Traceback lines expected without a guest agent, ${unexplained.length} unexplained`);
    // First lines of records first: the tracebacks under them say less.
    const heads = unexplained.filter((l) => / ERROR \S+ \[/.test(l));
    assert.deepEqual([...heads, ...unexplained].slice(0, 12), [], `${unexplained.length} unexplained ERROR/Traceback lines in the Trove logs`);
  });
});
