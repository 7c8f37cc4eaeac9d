// The lab cloud against REAL clients nobody here wrote: a real Keystone 22
// (Debian python3-keystone, SQLite) validates every token, the Debian
// `openstack` CLI (openstackclient 6 on openstacksdk, novaclient,
// cinderclient) drives compute/network/image, and a Python snippet uses
// novaclient 2.12, neutronclient, glanceclient and cinderclient the way
// Trove 18 does. Everything listens on 127.0.0.1; every process started here
// is stopped by PID in `after`.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.ts';
import { adminCliEnv, openstackCli, runner } from '../support/openstack-cli.ts';
import { startLabCloud, type LabCloudProcess } from '../support/lab-cloud-process.ts';
import { createUser, keystoneInstalled, registerCatalog, startRealKeystone, type RealKeystone } from '../support/real-keystone.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOST = '127.0.0.1';

describe('lab cloud with the real openstack CLI and Trove\'s Python clients', function () {
  this.timeout(150_000);
  let dir = '';
  let keystone: RealKeystone | undefined;
  let cloud: LabCloudProcess | undefined;
  let configFile = '';
  let env: NodeJS.ProcessEnv = {};
  const ids: Record<string, string> = {};

  const run = runner(() => env, () => dir);
  const { os, osJson, osFails } = openstackCli(run);
  const startCloud = async () => {
    cloud = await startLabCloud(configFile);
  };
  const stopCloud = async () => {
    const c = cloud;
    cloud = undefined;
    await c?.stop();
  };

  before(async function () {
    if (!keystoneInstalled()) throw new Error('needs the Debian keystone packages (python3-keystone); not skipped, so a run without them cannot look green');
    const t0 = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'lab-cloud-cli-'));
    keystone = await startRealKeystone(join(dir, 'keystone'), HOST);
    const ports = { compute: await freePort(HOST), network: await freePort(HOST), image: await freePort(HOST), volume: await freePort(HOST) };
    await registerCatalog(keystone, [
      { type: 'compute', name: 'nova', url: `http://${HOST}:${ports.compute}/v2.1` },
      { type: 'network', name: 'neutron', url: `http://${HOST}:${ports.network}` },
      { type: 'image', name: 'glance', url: `http://${HOST}:${ports.image}` },
      { type: 'volumev3', name: 'cinderv3', url: `http://${HOST}:${ports.volume}/v3/%(tenant_id)s` },
    ]);
    await createUser(keystone, 'lab-cloud', 'lab-cloud-password', 'service', 'admin');
    writeFileSync(join(dir, 'lab-cloud.password'), 'lab-cloud-password\n');
    configFile = join(dir, 'lab-cloud.yaml');
    writeFileSync(
      configFile,
      [
        `host: ${HOST}`,
        `ports: {compute: ${ports.compute}, network: ${ports.network}, image: ${ports.image}, volume: ${ports.volume}}`,
        'stateDir: state',
        'keystone:',
        `  authUrl: ${keystone.url}`,
        '  username: lab-cloud',
        '  passwordFile: lab-cloud.password',
        '',
      ].join('\n'),
    );
    await startCloud();
    env = adminCliEnv(keystone, dir);
    process.stdout.write(`      (keystone + catalog + lab cloud ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  });

  after(async () => {
    await stopCloud();
    await keystone?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('flavors: create with ephemeral (what Trove needs for /dev/vdb), list, show by name, private + properties', async () => {
    const [flavor, priv] = await Promise.all([
      osJson('flavor', 'create', '--ram', '1024', '--disk', '5', '--vcpus', '1', '--ephemeral', '1', 'm1.lab'),
      osJson('flavor', 'create', '--id', '42', '--ram', '512', '--disk', '1', '--vcpus', '1', '--private', '--property', 'hw:cpu_policy=shared', 'm1.private'),
    ]);
    ids.flavor = String(flavor.id);
    assert.equal(flavor['OS-FLV-EXT-DATA:ephemeral'], 1);
    assert.deepEqual(priv.properties, { 'hw:cpu_policy': 'shared' });
    const [list, all, shown] = await Promise.all([
      osJson<{ Name: string }[]>('flavor', 'list'),
      osJson<{ Name: string }[]>('flavor', 'list', '--all'),
      osJson('flavor', 'show', 'm1.lab'),
    ]);
    assert.deepEqual(list.map((f) => f.Name), ['m1.lab'], 'private flavors are not in the default list');
    assert.deepEqual(all.map((f) => f.Name).sort(), ['m1.lab', 'm1.private']);
    assert.equal(shown.id, ids.flavor);
    assert.equal(shown.ram, 1024);
  });

  it('images: upload with --property and --tag (md5 kept), set --property, show, list --tag, save', async () => {
    const data = Buffer.alloc(64 * 1024, 7);
    writeFileSync(join(dir, 'image.raw'), data);
    const [db, node] = await Promise.all([
      osJson('image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', 'image.raw', '--property', 'trove_role=database', '--tag', 'trove', '--tag', 'mysql', 'lab-database'),
      osJson('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', 'image.raw', '--property', 'trove_role=node', '--tag', 'haproxy', 'lab-node'),
    ]);
    ids.image = String(db.id);
    ids.nodeImage = String(node.id);
    await os('image', 'set', '--property', 'os_distro=debian', '--property', 'trove_role=database', '--tag', 'extra', 'lab-database');
    const [shown, tagged] = await Promise.all([osJson('image', 'show', 'lab-database'), osJson<{ Name: string }[]>('image', 'list', '--tag', 'haproxy')]);
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));
    const props = shown.properties as Record<string, string>;
    assert.equal(props.trove_role, 'database');
    assert.equal(props.os_distro, 'debian');
    assert.deepEqual([...(shown.tags as string[])].sort(), ['extra', 'mysql', 'trove']);
    assert.deepEqual(tagged.map((i) => i.Name), ['lab-node']);
    await os('image', 'save', '--file', 'saved.raw', 'lab-database');
    assert.deepEqual(readFileSync(join(dir, 'saved.raw')), data);
  });

  it('networks: shared VLAN provider network, subnet with no gateway and a pool; Neutron\'s refusals', async () => {
    const net = await osJson('network', 'create', '--share', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet2', '--provider-segment', '1029', 'trove-mgmt1');
    ids.network = String(net.id);
    assert.equal(net.shared, true);
    assert.equal(net['provider:segmentation_id'], 1029);
    const [dup, subnet] = await Promise.all([
      osFails('network', 'create', '--provider-network-type', 'vlan', '--provider-physical-network', 'physnet2', '--provider-segment', '1029', 'again'),
      osJson('subnet', 'create', '--network', 'trove-mgmt1', '--subnet-range', '198.18.10.0/24', '--gateway', 'none', '--allocation-pool', 'start=198.18.10.6,end=198.18.10.254', '--dns-nameserver', '198.18.0.1', 'trove-mgmt1-subnet'),
    ]);
    assert.match(dup, /409.*VLAN 1029 on physical network physnet2 is in use/s);
    assert.equal(subnet.gateway_ip, null);
    assert.deepEqual(subnet.allocation_pools, [{ start: '198.18.10.6', end: '198.18.10.254' }]);
    const [overlap, list] = await Promise.all([
      osFails('subnet', 'create', '--network', 'trove-mgmt1', '--subnet-range', '198.18.10.128/25', 'overlap'),
      osJson<{ Name: string }[]>('network', 'list', '--share'),
    ]);
    assert.match(overlap, /overlaps with another subnet/);
    assert.deepEqual(list.map((n) => n.Name), ['trove-mgmt1']);
  });

  it('security groups (vrrp, tcp 5670:5672) and a port with allowed-address pairs (the keepalived VIP)', async () => {
    const sg = await osJson('security', 'group', 'create', 'ha-nodes');
    const [vrrp, amqp] = await Promise.all([
      osJson('security', 'group', 'rule', 'create', '--protocol', 'vrrp', '--ingress', '--remote-ip', '198.18.10.0/24', 'ha-nodes'),
      osJson('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '5670:5672', 'ha-nodes'),
    ]);
    assert.equal(vrrp.protocol, 'vrrp');
    assert.equal(vrrp.remote_ip_prefix, '198.18.10.0/24');
    assert.deepEqual([amqp.port_range_min, amqp.port_range_max], [5670, 5672]);
    const [dupRule, port] = await Promise.all([
      osFails('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '5670:5672', 'ha-nodes'),
      osJson('port', 'create', '--network', 'trove-mgmt1', '--fixed-ip', 'subnet=trove-mgmt1-subnet,ip-address=198.18.10.11', '--allowed-address', 'ip-address=198.18.10.5', '--security-group', 'ha-nodes', 'haproxy1'),
    ]);
    assert.match(dupRule, /409.*Security group rule already exists/s);
    ids.port = String(port.id);
    assert.deepEqual(port.security_group_ids, [sg.id]);
    assert.deepEqual(port.fixed_ips, [{ subnet_id: (await osJson('subnet', 'show', 'trove-mgmt1-subnet')).id, ip_address: '198.18.10.11' }]);
    await os('port', 'set', '--allowed-address', 'ip-address=198.18.10.6', 'haproxy1');
    const shown = await osJson('port', 'show', 'haproxy1');
    assert.deepEqual(
      (shown.allowed_address_pairs as { ip_address: string; mac_address: string }[]).map((p) => [p.ip_address, p.mac_address]),
      [
        ['198.18.10.5', port.mac_address],
        ['198.18.10.6', port.mac_address],
      ],
    );
    const byIp = await osJson<{ Name: string }[]>('port', 'list', '--fixed-ip', 'ip-address=198.18.10.11');
    assert.deepEqual(byIp.map((p) => p.Name), ['haproxy1']);
  });

  it('keypair create: Nova generates the key and reports its MD5 fingerprint', async () => {
    const privateKey = await os('keypair', 'create', 'lab-key');
    assert.match(privateKey, /BEGIN RSA PRIVATE KEY/);
    writeFileSync(join(dir, 'lab-key.pem'), privateKey);
    chmodSync(join(dir, 'lab-key.pem'), 0o600);
    const pub = await run('/usr/bin/ssh-keygen', ['-y', '-f', 'lab-key.pem']);
    assert.equal(pub.code, 0, pub.stderr);
    const blob = Buffer.from(pub.stdout.trim().split(/\s+/)[1]!, 'base64');
    const md5 = createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
    assert.equal((await osJson('keypair', 'show', 'lab-key')).fingerprint, md5);
  });

  it('servers: create --wait on the port with user data, show, list; survives a lab cloud restart; delete --wait', async () => {
    writeFileSync(join(dir, 'user-data.sh'), '#!/bin/sh\necho configured > /etc/motd\n');
    const created = await osJson('server', 'create', '--flavor', 'm1.lab', '--image', 'lab-database', '--nic', `port-id=${ids.port}`, '--user-data', 'user-data.sh', '--property', 'role=haproxy', '--key-name', 'lab-key', '--wait', 'haproxy1');
    ids.server = String(created.id);
    assert.equal(created.status, 'ACTIVE');
    assert.deepEqual(created.addresses, { 'trove-mgmt1': ['198.18.10.11'] });
    const [shown, port] = await Promise.all([osJson('server', 'show', 'haproxy1'), osJson('port', 'show', 'haproxy1')]);
    assert.deepEqual(shown.properties, { role: 'haproxy' });
    assert.equal(shown.key_name, 'lab-key');
    assert.deepEqual(shown.security_groups, [{ name: 'ha-nodes' }]);
    // This cloud runs the null VM driver: no machine, so no console; Nova's answer to a driver without one is 501.
    assert.match(await osFails('console', 'log', 'show', 'haproxy1'), /HttpException: 501\b.*null VM driver runs no machine/s);
    assert.equal(port.device_id, ids.server);
    assert.equal(port.status, 'ACTIVE');
    const state = JSON.parse(readFileSync(join(dir, 'state', 'lab-cloud-state.json'), 'utf8')) as { servers: { id: string; userData: string }[] };
    assert.equal(Buffer.from(state.servers.find((s) => s.id === ids.server)!.userData, 'base64').toString(), '#!/bin/sh\necho configured > /etc/motd\n');

    await stopCloud();
    await startCloud();
    const listed = await osJson<{ ID: string; Name: string; Status: string; Networks: Record<string, string[]> }[]>('server', 'list');
    assert.deepEqual(
      listed.map((s) => [s.ID, s.Name, s.Status]),
      [[ids.server, 'haproxy1', 'ACTIVE']],
    );

    // A server on a network (Nova makes the port) to see the port go away with it.
    const other = await osJson('server', 'create', '--flavor', ids.flavor!, '--image', 'lab-node', '--network', 'trove-mgmt1', '--wait', 'node1');
    assert.deepEqual(other.addresses, { 'trove-mgmt1': ['198.18.10.6'] });
    await Promise.all([os('server', 'delete', '--wait', 'node1'), os('server', 'delete', '--wait', 'haproxy1')]);
    const gone = await osFails('server', 'show', ids.server!);
    assert.match(gone, /No server with a name or ID/);
    const ports = await osJson<{ Name: string; 'Fixed IP Addresses': unknown }[]>('port', 'list');
    assert.deepEqual(ports.map((p) => p.Name), ['haproxy1'], 'the port Nova made is deleted, the given one only unbound');
    assert.equal((await osJson('port', 'show', 'haproxy1')).device_id, '');
  });

  it('novaclient 2.12 as Trove uses it (marker paging, create with user_data/meta, flavors.get), plus neutron/glance/cinder clients', async () => {
    const r = await run('/usr/bin/python3', [join(ROOT, 'test/fixtures/lab-cloud/trove-clients.py'), ids.flavor!, ids.image!]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      flavor: Record<string, number>;
      listed_ids: string[];
      paged_ids: string[];
      created: string[];
      server: { status: string; metadata: Record<string, string>; flavor: { id: string }; api_version: string };
      server_groups: string[];
      missing: string;
      ports_for_server: number;
      floatingips: unknown[];
      sgs_named: unknown[];
      image: { status: string; trove_role: string };
      tagged: string[];
      volumes: unknown[];
    };
    assert.deepEqual(out.flavor, { ram: 1024, vcpus: 1, disk: 5, ephemeral: 1 });
    assert.deepEqual([...out.listed_ids].sort(), [...out.created].sort());
    assert.deepEqual(out.paged_ids, out.listed_ids, 'limit=2 marker paging ends and sees every server once');
    assert.equal(out.server.status, 'ACTIVE');
    assert.equal(out.server.api_version, '2.12');
    assert.deepEqual(out.server.flavor.id, ids.flavor);
    assert.equal(out.server.metadata.trove_instance_id, 'i0');
    assert.deepEqual(out.server_groups, []);
    assert.equal(out.missing, 'NotFound 404');
    assert.equal(out.ports_for_server, 1, 'no networks at 2.12: Nova picks the one usable network');
    assert.deepEqual([out.floatingips, out.sgs_named, out.volumes], [[], [], []]);
    assert.deepEqual(out.image, { status: 'active', trove_role: 'database' });
    assert.deepEqual(out.tagged, [ids.image]);
  });

  it('logs one line per request with its request id', () => {
    const log = readFileSync(join(dir, 'state', 'lab-cloud-requests.log'), 'utf8');
    assert.match(log, /compute POST \/v2\.1\/servers 202 [\d.]+ms req-[0-9a-f-]{36}/);
    assert.match(log, /network PUT \/v2\.0\/ports\/[0-9a-f-]{36} 200 /);
    assert.match(log, /image PUT \/v2\/images\/[0-9a-f-]{36}\/file 204 /);
    assert.match(log, /volume GET \/v3\/[0-9a-f]{32}\/volumes\/detail\?name=trove-x 200 /);
    assert.doesNotMatch(log, / 500 /);
  });
});
