// The lab cloud's namespace micro-VM driver, end to end: a real Keystone 22 on
// loopback, the lab cloud with `vmDriver: namespace`, the real `openstack`
// CLI. Everything lives on a PRIVATE switch namespace (vmt-sw, bridges
// vmt-br0/vmt-br1) and VM namespaces vmt-<server id>; the lab's own
// namespaces and bridges (lab-sw, ctl*, ha*, probe*, cloud) are never touched.
// The database server's user_data is Trove 18's exact shape
// (test/fixtures/lab-cloud/trove-userdata.txt: the documents' percona.cloudinit
// + the appended #cloud-config with the injected files), its 10.50. range
// adapted to this test's 198.19.; the node server's is a MIME multipart.
// Two servers of a configured role (`proxy`: programs, own /etc entries) show
// {hostname}/{eth0} expansion, autostart, private /etc copies and the console
// output with the VM's real host key. `after` removes everything made here, by
// name and PID (and /etc/vmt-role-etc, the role's entry the host lacked, if
// this run made it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive, readPidFile, stopPids } from '../../lab/procs.ts';
import { freePort } from '../support/free-port.ts';
import { adminCliEnv, openstackCli, runner, type CliRun } from '../support/openstack-cli.ts';
import { startLabCloud, type LabCloudProcess } from '../support/lab-cloud-process.ts';
import { createUser, keystoneInstalled, registerCatalog, startRealKeystone, type RealKeystone } from '../support/real-keystone.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'lab-cloud');
const HOST = '127.0.0.1';
const SW = 'vmt-sw';
const CLIENT = 'vmt-client';
const PREFIX = 'vmt-';
/** Bridge per network of this test (the lab's would be br-mgmt1 / br-tenant). */
const BRIDGES = { 'trove-mgmt1': 'vmt-br0', tenant: 'vmt-br1' };
const MGMT = { cidr: '198.19.50.0/24', vip: '198.19.50.5', client: '198.19.50.200' };
/** The role's /etc entry the host has no /etc/<entry> for (the driver makes an empty mount point). */
const ROLE_ETC_ABSENT = 'vmt-role-etc';
const TENANT = { cidr: '198.18.222.0/24', gateway: '198.18.222.1', client: '198.18.222.200' };

const sh = (argv: string[], timeoutMs = 20_000): CliRun => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};
const must = (argv: string[]): string => {
  const r = sh(argv);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const namespaces = (): string[] =>
  sh(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
const linksIn = (ns: string): { ifname: string; master?: string; address?: string; operstate?: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[] =>
  JSON.parse(must(['ip', '-j', '-n', ns, 'addr', 'show']) || '[]');
const nsPids = (ns: string): number[] =>
  sh(['ip', 'netns', 'pids', ns])
    .stdout.split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((p) => isAlive(p));
const rssKb = (pids: number[]): number =>
  pids.reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);

describe('lab cloud namespace micro-VMs with the real openstack CLI', function () {
  this.timeout(180_000);
  let dir = '';
  let vmsDir = '';
  let keystone: RealKeystone | undefined;
  let cloud: LabCloudProcess | undefined;
  let configFile = '';
  let env: NodeJS.ProcessEnv = {};
  const ids: Record<string, string> = {};
  const servers: Record<string, string> = {};
  const timings: string[] = [];
  let cloudOutput = '';
  let madeRoleEtc = false;

  const run = runner(() => env, () => dir);
  const { os, osJson, osFails } = openstackCli(run);
  const waitStatus = async (id: string, want: string, timeoutMs = 30_000): Promise<Record<string, unknown>> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await osJson('server', 'show', id);
      if (s.status === want) return s;
      if (Date.now() > end) throw new Error(`server ${id} is ${String(s.status)}, not ${want}, after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const layout = (id: string) => ({ ns: `${PREFIX}${id}`, dir: join(vmsDir, id), etc: `/etc/netns/${PREFIX}${id}` });
  const inVm = (id: string, argv: string[]) => must(['ip', 'netns', 'exec', layout(id).ns, 'nsenter', `--uts=${join(layout(id).dir, 'uts')}`, ...argv]);
  const pidOf = (id: string, what: 'supervisord' | 'sshd') => readPidFile(join(layout(id).dir, 'run', `${what}.pid`));

  /** Start the lab cloud; `privateMounts` runs it in its own mount namespace, as `ip netns exec cloud` does in the lab. */
  const startCloud = async (privateMounts = false) => {
    cloud = await startLabCloud(configFile, { privateMounts, readyTimeoutMs: 60_000, onOutput: (t) => (cloudOutput += t) });
  };
  const stopCloud = async () => {
    const c = cloud;
    cloud = undefined;
    await c?.stop();
  };

  /** Remove every vmt-* namespace (ours by prefix), its processes, UTS mounts and /etc/netns entry. */
  const cleanNamespaces = async () => {
    for (const ns of namespaces().filter((n) => n.startsWith(PREFIX))) {
      await stopPids(nsPids(ns), 5_000);
      sh(['ip', 'netns', 'del', ns]);
    }
    if (vmsDir) {
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(`${vmsDir}/`));
      for (const m of mounts) sh(['umount', m]);
    }
    if (existsSync('/etc/netns')) {
      for (const e of readdirSync('/etc/netns')) if (e.startsWith(PREFIX)) rmSync(join('/etc/netns', e), { recursive: true, force: true });
      if (readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
    }
  };

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
    if (!keystoneInstalled()) throw new Error('needs the Debian keystone packages (python3-keystone)');
    madeRoleEtc = !existsSync(join('/etc', ROLE_ETC_ABSENT));
    const t0 = Date.now();
    await cleanNamespaces(); // leftovers of an interrupted run (vmt-* only)
    dir = mkdtempSync(join(tmpdir(), 'lab-cloud-vm-'));
    vmsDir = join(dir, 'vms');
    // Private switch with two bridges, and a client namespace on both.
    must(['ip', 'netns', 'add', SW]);
    must(['ip', '-n', SW, 'link', 'set', 'lo', 'up']);
    for (const br of Object.values(BRIDGES)) {
      must(['ip', '-n', SW, 'link', 'add', br, 'type', 'bridge']);
      must(['ip', '-n', SW, 'link', 'set', br, 'up']);
    }
    must(['ip', 'netns', 'add', CLIENT]);
    must(['ip', '-n', CLIENT, 'link', 'set', 'lo', 'up']);
    for (const [i, [br, addr]] of ([[BRIDGES['trove-mgmt1'], `${MGMT.client}/24`], [BRIDGES.tenant, `${TENANT.client}/24`]] as const).entries()) {
      must(['ip', '-n', SW, 'link', 'add', `vmt-c${i}`, 'type', 'veth', 'peer', 'name', `eth${i}`, 'netns', CLIENT]);
      must(['ip', '-n', SW, 'link', 'set', `vmt-c${i}`, 'master', br, 'up']);
      must(['ip', '-n', CLIENT, 'addr', 'add', addr, 'dev', `eth${i}`]);
      must(['ip', '-n', CLIENT, 'link', 'set', `eth${i}`, 'up']);
    }
    must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'vmt', '-f', join(dir, 'id_vmt')]);

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
    const guest = "/bin/sh -c 'grep -q ^guest_id= /etc/trove/conf.d/guest_info.conf && echo guest sees its config && exec sleep 100000'";
    writeFileSync(
      configFile,
      [
        `host: ${HOST}`,
        `ports: {compute: ${ports.compute}, network: ${ports.network}, image: ${ports.image}, volume: ${ports.volume}}`,
        'stateDir: state',
        'vmDriver: namespace',
        'vmDriverOptions:',
        `  switchNamespace: ${SW}`,
        `  namespacePrefix: ${PREFIX}`,
        `  dir: ${vmsDir}`,
        `  bridges: ${JSON.stringify(BRIDGES)}`,
        `  guestCommand: ${JSON.stringify(guest)}`,
        '  initTimeoutSeconds: 30',
        '  roles:',
        '    proxy:',
        `      etc: [haproxy, keepalived, ${ROLE_ETC_ABSENT}]`,
        '      programs:',
        '        - name: hello',
        `          command: ${JSON.stringify(`/bin/sh -c 'echo "hello from {hostname} at {eth0}"; exec sleep 100000'`)}`,
        `          log: ${JSON.stringify(join(dir, 'nodes', '{hostname}', 'log', 'hello.log'))}`,
        '        - name: later',
        '          command: /bin/sleep 100000',
        '          autostart: false',
        '          autorestart: false',
        '          stopWaitSecs: 5',
        'keystone:',
        `  authUrl: ${keystone.url}`,
        '  username: lab-cloud',
        '  passwordFile: lab-cloud.password',
        '',
      ].join('\n'),
    );
    await startCloud();
    env = adminCliEnv(keystone, dir);
    process.stdout.write(`      (switch + keystone + lab cloud ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  });

  after(async () => {
    await stopCloud();
    await cleanNamespaces();
    await keystone?.stop();
    if (madeRoleEtc && existsSync(join('/etc', ROLE_ETC_ABSENT)) && readdirSync(join('/etc', ROLE_ETC_ABSENT)).length === 0) rmdirSync(join('/etc', ROLE_ETC_ABSENT));
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (timings.length) process.stdout.write(`      ${timings.join('\n      ')}\n`);
  });

  it('setup through the CLI: trove-mgmt1 without gateway, tenant with one, an unbridged network, ports, flavor, database and node images, keypair', async () => {
    const [mgmt, tenant, unbridged] = await Promise.all(['trove-mgmt1', 'tenant', 'unbridged'].map((n) => osJson('network', 'create', n)));
    ids.mgmt = String(mgmt!.id);
    ids.tenant = String(tenant!.id);
    ids.unbridged = String(unbridged!.id);
    await Promise.all([
      os('subnet', 'create', '--network', 'trove-mgmt1', '--subnet-range', MGMT.cidr, '--gateway', 'none', 'mgmt1-sub'),
      os('subnet', 'create', '--network', 'tenant', '--subnet-range', TENANT.cidr, '--gateway', TENANT.gateway, 'tenant-sub'),
      os('subnet', 'create', '--network', 'unbridged', '--subnet-range', '198.18.223.0/24', 'unbridged-sub'),
    ]);
    const [pt, pm, pn] = await Promise.all([
      osJson('port', 'create', '--network', 'tenant', '--fixed-ip', 'subnet=tenant-sub,ip-address=198.18.222.10', 'db1-tenant'),
      osJson('port', 'create', '--network', 'trove-mgmt1', '--fixed-ip', 'subnet=mgmt1-sub,ip-address=198.19.50.10', 'db1-mgmt'),
      osJson('port', 'create', '--network', 'tenant', '--fixed-ip', 'subnet=tenant-sub,ip-address=198.18.222.11', 'node1-tenant'),
    ]);
    Object.assign(ids, { dbTenantPort: String(pt!.id), dbMgmtPort: String(pm!.id), nodeTenantPort: String(pn!.id), dbTenantMac: String(pt!.mac_address), dbMgmtMac: String(pm!.mac_address) });
    writeFileSync(join(dir, 'image.img'), 'not really a disk\n');
    await Promise.all([
      os('flavor', 'create', '--ram', '512', '--disk', '1', '--vcpus', '1', 'vmt.small'),
      os('image', 'create', '--file', join(dir, 'image.img'), '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'trove_role=database', 'vmt-db-image'),
      os('image', 'create', '--file', join(dir, 'image.img'), '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'trove_role=node', 'vmt-node-image'),
      os('image', 'create', '--file', join(dir, 'image.img'), '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'trove_role=proxy', 'vmt-proxy-image'),
      os('image', 'create', '--file', join(dir, 'image.img'), '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'trove_role=router', 'vmt-router-image'),
      os('keypair', 'create', '--public-key', join(dir, 'id_vmt.pub'), 'vmt-key'),
    ]);
  });

  it("a database server booted with Trove's user_data: its namespace, legs, MACs, routes, hostname, /etc/hosts from the documents' script, injected files, guest program", async () => {
    const userData = readFileSync(join(FIX, 'trove-userdata.txt'), 'utf8').replaceAll('10\\.50\\.', '198\\.19\\.').replaceAll('"10.50."', '"198.19."');
    assert.match(userData, /198\\\.19\\\./, 'the documents\' script, adapted to 198.19.');
    writeFileSync(join(dir, 'db-userdata'), userData);
    // As if a VM deleted a moment ago had this address: the client's cache holds another MAC.
    must(['ip', '-n', CLIENT, 'neigh', 'replace', '198.19.50.10', 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale']);
    const t0 = Date.now();
    const s = await osJson('server', 'create', '--flavor', 'vmt.small', '--image', 'vmt-db-image', '--nic', `port-id=${ids.dbTenantPort}`, '--nic', `port-id=${ids.dbMgmtPort}`, '--key-name', 'vmt-key', '--user-data', join(dir, 'db-userdata'), 'vmtest-db1');
    const id = String(s.id);
    servers.db = id;
    await waitStatus(id, 'ACTIVE');
    const manifest = JSON.parse(readFileSync(join(layout(id).dir, 'vm.json'), 'utf8')) as { bootMs: number; warnings: string[]; role: string };
    timings.push(`database VM: ACTIVE ${((Date.now() - t0) / 1000).toFixed(2)} s after server create (driver boot ${manifest.bootMs} ms)`);
    assert.equal(manifest.role, 'database');
    assert.match(manifest.warnings.join(' '), /ONE shell script/, 'the split of Trove\'s concatenation is recorded');

    const { ns, etc } = layout(id);
    assert.ok(namespaces().includes(ns));
    const vm = linksIn(ns);
    const eth0 = vm.find((l) => l.ifname === 'eth0')!;
    const eth1 = vm.find((l) => l.ifname === 'eth1')!;
    assert.deepEqual(eth0.addr_info!.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['198.18.222.10/24']);
    assert.deepEqual(eth1.addr_info!.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`), ['198.19.50.10/24']);
    assert.equal(eth0.address, ids.dbTenantMac);
    assert.equal(eth1.address, ids.dbMgmtMac);
    const sw = linksIn(SW);
    const hex = id.replace(/-/g, '').slice(0, 6);
    assert.equal(sw.find((l) => l.ifname === `v${hex}0`)?.master, BRIDGES.tenant);
    assert.equal(sw.find((l) => l.ifname === `v${hex}1`)?.master, BRIDGES['trove-mgmt1']);
    const routes = must(['ip', '-n', ns, 'route', 'show']);
    assert.match(routes, /^default via 198\.18\.222\.1 dev eth0/m, 'default route through the tenant subnet\'s gateway');
    assert.doesNotMatch(routes, /via .* dev eth1/, 'nothing routed via trove-mgmt (no gateway there)');
    // The VM announced its addresses (gratuitous ARP): the stale MAC is replaced before any traffic.
    assert.match(must(['ip', '-n', CLIENT, 'neigh', 'show', '198.19.50.10']), new RegExp(`lladdr ${ids.dbMgmtMac}`, 'i'), "the client's ARP cache has the new VM's MAC");
    assert.equal(must(['ip', 'netns', 'exec', CLIENT, 'ping', '-c1', '-W2', '198.19.50.10']).includes('1 received'), true, 'reachable over the mgmt bridge');

    assert.equal(inVm(id, ['hostname']).trim(), 'vmtest-db1');
    const hosts = must(['ip', 'netns', 'exec', ns, 'cat', '/etc/hosts']);
    assert.match(hosts, new RegExp(`^${MGMT.vip.replace(/\./g, '\\.')}\\s+proxy\\.polex\\.io$`, 'm'), "percona.cloudinit's line, written inside the VM");
    assert.doesNotMatch(readFileSync('/etc/hosts', 'utf8'), /proxy\.polex\.io/, "the host's /etc/hosts is untouched");
    const info = must(['ip', 'netns', 'exec', ns, 'cat', '/etc/trove/conf.d/guest_info.conf']);
    assert.match(info, /^guest_id=11111111-2222-3333-4444-555555555555$/m);
    assert.ok(existsSync(join(etc, 'trove', 'conf.d', 'trove-guestagent.conf')), 'injected files live in the VM\'s /etc/netns entry');
    assert.ok(existsSync('/etc/trove') && !existsSync('/etc/trove/conf.d/guest_info.conf'), "the host's /etc/trove is only a mount point");
    // supervisord answers before its program has passed startsecs: give it a few seconds.
    let sup = '';
    for (let i = 0; i < 50 && !/^guest-agent\s+RUNNING/m.test(sup); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      sup = sh(['ip', 'netns', 'exec', ns, 'supervisorctl', '-c', '/etc/supervisor/supervisord.conf', 'status']).stdout;
    }
    assert.match(sup, /^guest-agent\s+RUNNING/m, `the database role runs the guest program, which found guest_info.conf: ${sup}`);
    assert.match(readFileSync(join(layout(id).dir, 'log', 'guest-agent.log'), 'utf8'), /guest sees its config/);
    timings.push(`database VM RSS: ${(rssKb(nsPids(ns)) / 1024).toFixed(1)} MB over ${nsPids(ns).length} processes (supervisord, sshd, guest stand-in)`);
  });

  it('a node server (MIME user_data): rewritten files under its own dir, script and runcmd ran inside, SSH with the keypair from another namespace', async () => {
    const b = '==vmt==';
    const mime = [
      `Content-Type: multipart/mixed; boundary="${b}"`,
      'MIME-Version: 1.0',
      '',
      `--${b}`,
      'Content-Type: text/x-shellscript',
      '',
      '#!/bin/bash',
      'echo "node $(hostname) $(hostname -I)" > "$VM_ROOT/hello-from-script"',
      `--${b}`,
      'Content-Type: text/cloud-config',
      '',
      '#cloud-config',
      'write_files:',
      '  - path: /opt/vmtest/hello.txt',
      '    encoding: b64',
      `    content: ${Buffer.from('hello from user_data\n').toString('base64')}`,
      '    permissions: "0600"',
      '  - path: /etc/vmtest-not-on-host/x.conf',
      '    content: x=1',
      'runcmd:',
      '  - [sh, -c, "cat /etc/hostname > $VM_ROOT/runcmd-saw-hostname"]',
      `--${b}--`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'node-userdata'), mime);
    const t0 = Date.now();
    const s = await osJson('server', 'create', '--flavor', 'vmt.small', '--image', 'vmt-node-image', '--nic', `port-id=${ids.nodeTenantPort}`, '--nic', `net-id=${ids.mgmt}`, '--key-name', 'vmt-key', '--user-data', join(dir, 'node-userdata'), 'vmtest-node1');
    const id = String(s.id);
    servers.node = id;
    await waitStatus(id, 'ACTIVE');
    timings.push(`node VM: ACTIVE ${((Date.now() - t0) / 1000).toFixed(2)} s after server create`);
    const { dir: vmDir } = layout(id);
    const hello = join(vmDir, 'root', 'opt', 'vmtest', 'hello.txt');
    assert.equal(readFileSync(hello, 'utf8'), 'hello from user_data\n');
    assert.equal(statSync(hello).mode & 0o777, 0o600);
    assert.ok(!existsSync('/opt/vmtest'), 'nothing written to the host\'s /opt');
    assert.equal(readFileSync(join(vmDir, 'root', 'etc', 'vmtest-not-on-host', 'x.conf'), 'utf8'), 'x=1');
    assert.ok(!existsSync('/etc/vmtest-not-on-host'));
    assert.match(readFileSync(join(vmDir, 'root', 'hello-from-script'), 'utf8'), /^node vmtest-node1 198\.18\.222\.11 198\.19\.50\.\d+/);
    assert.equal(readFileSync(join(vmDir, 'root', 'runcmd-saw-hostname'), 'utf8').trim(), 'vmtest-node1');

    const ssh = (cmd: string) =>
      sh(['ip', 'netns', 'exec', CLIENT, 'ssh', '-F', '/dev/null', '-i', join(dir, 'id_vmt'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', 'root@198.18.222.11', cmd], 20_000);
    const r = ssh('hostname; cat /etc/hostname; supervisorctl status >/dev/null; echo supervisorctl=$?');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['vmtest-node1', 'vmtest-node1', 'supervisorctl=0']);
    timings.push(`node VM RSS: ${(rssKb(nsPids(layout(id).ns)) / 1024).toFixed(1)} MB over ${nsPids(layout(id).ns).length} processes (supervisord, sshd)`);
  });

  it('two servers of a configured role: programs RUNNING/STOPPED per autostart with {hostname}/{eth0} expanded, private /etc copies, SSH-started program', async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all(
      ['vmtest-proxy1', 'vmtest-proxy2'].map((name) => osJson('server', 'create', '--flavor', 'vmt.small', '--image', 'vmt-proxy-image', '--nic', `net-id=${ids.tenant}`, '--key-name', 'vmt-key', name)),
    );
    servers.proxyA = String(a!.id);
    servers.proxyB = String(b!.id);
    const [shownA] = await Promise.all([waitStatus(servers.proxyA, 'ACTIVE'), waitStatus(servers.proxyB, 'ACTIVE')]);
    timings.push(`two proxy-role VMs: ACTIVE ${((Date.now() - t0) / 1000).toFixed(2)} s after server create`);
    const ipA = (shownA.addresses as Record<string, string[]>).tenant![0]!;
    const A = layout(servers.proxyA);
    const B = layout(servers.proxyB);

    const manifest = JSON.parse(readFileSync(join(A.dir, 'vm.json'), 'utf8')) as { role: string; sshd: boolean; programs: { name: string; command: string; log?: string; autostart: boolean }[] };
    assert.equal(manifest.role, 'proxy');
    assert.equal(manifest.sshd, true);
    const logA = join(dir, 'nodes', 'vmtest-proxy1', 'log', 'hello.log');
    assert.deepEqual(
      manifest.programs.map((p) => [p.name, p.command, p.log, p.autostart]),
      [
        ['hello', `/bin/sh -c 'echo "hello from vmtest-proxy1 at ${ipA}"; exec sleep 100000'`, logA, true],
        ['later', '/bin/sleep 100000', undefined, false],
      ],
      'vm.json records the programs expanded',
    );
    let sup = '';
    for (let i = 0; i < 50 && !/^hello\s+RUNNING/m.test(sup); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      sup = sh(['ip', 'netns', 'exec', A.ns, 'supervisorctl', '-c', '/etc/supervisor/supervisord.conf', 'status']).stdout;
    }
    assert.match(sup, /^hello\s+RUNNING/m, sup);
    assert.match(sup, /^later\s+STOPPED/m, `autostart false: configured, not started: ${sup}`);
    assert.equal(readFileSync(logA, 'utf8'), `hello from vmtest-proxy1 at ${ipA}\n`, 'its own log, path and output expanded');
    assert.match(readFileSync(join(dir, 'nodes', 'vmtest-proxy2', 'log', 'hello.log'), 'utf8'), /^hello from vmtest-proxy2 at 198\.18\.222\.\d+$/m);

    // The role's /etc entries: copies of the host's, private to each VM.
    assert.equal(must(['ip', 'netns', 'exec', A.ns, 'cat', '/etc/haproxy/errors/503.http']), readFileSync('/etc/haproxy/errors/503.http', 'utf8'), "Debian's haproxy error pages copied up");
    const hostKeepalived = readdirSync('/etc/keepalived').sort();
    assert.deepEqual(readdirSync(join(A.etc, 'keepalived')).sort(), hostKeepalived, "/etc/keepalived copied up from the host's");
    inVm(servers.proxyA, ['sh', '-c', 'echo from-a > /etc/keepalived/x']);
    assert.equal(readFileSync(join(A.etc, 'keepalived', 'x'), 'utf8'), 'from-a\n', "written into VM A's copy");
    assert.ok(!existsSync('/etc/keepalived/x'), "not into the host's /etc/keepalived");
    assert.equal(sh(['ip', 'netns', 'exec', B.ns, 'cat', '/etc/keepalived/x']).code, 1, 'VM B does not see it');
    assert.ok(!existsSync(join(B.etc, 'keepalived', 'x')));
    assert.ok(existsSync(join('/etc', ROLE_ETC_ABSENT)) && readdirSync(join('/etc', ROLE_ETC_ABSENT)).length === 0, "an entry the host lacked: an empty mount point on the host");
    inVm(servers.proxyA, ['sh', '-c', `echo a > /etc/${ROLE_ETC_ABSENT}/y`]);
    assert.ok(existsSync(join(A.etc, ROLE_ETC_ABSENT, 'y')) && !existsSync(join('/etc', ROLE_ETC_ABSENT, 'y')));

    // What provisioning does over SSH: push a config into /etc/keepalived, start the stopped program.
    const ssh = (cmd: string) =>
      sh(['ip', 'netns', 'exec', CLIENT, 'ssh', '-F', '/dev/null', '-i', join(dir, 'id_vmt'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `root@${ipA}`, cmd], 20_000);
    const r = ssh('echo pushed > /etc/keepalived/keepalived.conf && supervisorctl start later && supervisorctl status later');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^later\s+RUNNING/m);
    assert.equal(readFileSync(join(A.etc, 'keepalived', 'keepalived.conf'), 'utf8'), 'pushed\n', "sshd's processes write the VM's copy");
    assert.ok(!existsSync('/etc/keepalived/keepalived.conf') || readFileSync('/etc/keepalived/keepalived.conf', 'utf8') !== 'pushed\n', "the host's keepalived.conf is untouched");
    assert.ok(!existsSync(join(B.etc, 'keepalived', 'keepalived.conf')));
  });

  it('console log show: the init log and cloud-init\'s host key block with the key sshd really serves; --lines tails it', async () => {
    const A = layout(servers.proxyA!);
    const out = await os('console', 'log', 'show', servers.proxyA!);
    assert.match(out, /boot vmtest-proxy1 \(.*\) as proxy in namespace/, 'the init log');
    const pub = readFileSync(join(A.etc, 'ssh', 'ssh_host_ed25519_key.pub'), 'utf8').trim();
    const block = /^-----BEGIN SSH HOST KEY KEYS-----\n([\s\S]*?)\n-----END SSH HOST KEY KEYS-----$/m.exec(out);
    assert.ok(block, out);
    assert.deepEqual(block[1]!.split('\n'), [pub], "the VM's own host key");
    const fp = must(['ssh-keygen', '-l', '-f', join(A.etc, 'ssh', 'ssh_host_ed25519_key.pub')]).trim();
    const fpLine = out.split('\n').find((l) => l.endsWith(` cloud-init: ${fp}`));
    assert.match(fpLine ?? '', /^<14>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d cloud-init: 256 SHA256:/, `the fingerprint ssh-keygen gives, logger-tagged: ${fp}`);
    assert.ok(out.indexOf('-----BEGIN SSH HOST KEY FINGERPRINTS-----') < out.indexOf('-----BEGIN SSH HOST KEY KEYS-----'));
    // The key a client gets from sshd on the network is the one on the console.
    const ipA = (linksIn(A.ns).find((l) => l.ifname === 'eth0')!.addr_info!.find((x) => x.family === 'inet')!).local;
    const scanned = must(['ip', 'netns', 'exec', CLIENT, 'ssh-keyscan', '-t', 'ed25519', '-T', '5', ipA]).trim().split(/\s+/);
    assert.equal(scanned[2], pub.split(/\s+/)[1], 'ssh-keyscan sees the same key');
    assert.equal(out.split('-----BEGIN SSH HOST KEY KEYS-----').length, 2, 'printed once (per instance)');
    const tail = await os('console', 'log', 'show', '--lines', '2', servers.proxyA!);
    assert.match(tail, /^\[[^\]]+\] running \(boot took \d+ ms\)\n$/, `the last line (a final newline is a piece of its own): ${tail}`);
    const dbOut = await os('console', 'log', 'show', servers.db!);
    assert.match(dbOut, /-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 /, 'the database VM (keypair → sshd) prints its key too');
  });

  it('a server whose image has an unknown trove_role goes ERROR, the fault naming the roles there are', async () => {
    const s = await osJson('server', 'create', '--flavor', 'vmt.small', '--image', 'vmt-router-image', '--nic', `net-id=${ids.tenant}`, 'vmtest-router');
    const id = String(s.id);
    const shown = await waitStatus(id, 'ERROR');
    assert.match(JSON.stringify(shown.fault), /trove_role=router; the lab knows database, node and the roles configured in vmDriverOptions\.roles: proxy/);
    assert.match(await osFails('console', 'log', 'show', id), /Guest does not have a console available/, 'no VM, no console (404)');
    assert.ok(!existsSync(layout(id).dir) && !namespaces().includes(layout(id).ns), 'nothing was made for it');
    // Deleted here, alone: `server delete --wait` gives up (exit 0) on the first
    // server it sees in ERROR while deleting, leaving the next ones undeleted.
    await os('server', 'delete', '--wait', id);
    await osFails('server', 'show', id);
  });

  it('a server on a network with no bridge goes ERROR with a fault saying so', async () => {
    const s = await osJson('server', 'create', '--flavor', 'vmt.small', '--image', 'vmt-node-image', '--nic', `net-id=${ids.unbridged}`, 'vmtest-err');
    servers.err = String(s.id);
    const shown = await waitStatus(servers.err, 'ERROR');
    assert.match(JSON.stringify(shown.fault), /network unbridged has no bridge/);
  });

  it('stop → SHUTOFF with its processes gone and links down; start → ACTIVE again', async () => {
    const id = servers.node!;
    const before = pidOf(id, 'supervisord');
    await os('server', 'stop', id);
    await waitStatus(id, 'SHUTOFF');
    assert.ok(!isAlive(before));
    assert.ok(!isAlive(pidOf(id, 'sshd')));
    assert.equal(linksIn(layout(id).ns).find((l) => l.ifname === 'eth0')?.operstate, 'DOWN');
    await os('server', 'start', id);
    await waitStatus(id, 'ACTIVE');
    assert.ok(isAlive(pidOf(id, 'supervisord')));
    assert.notEqual(pidOf(id, 'supervisord'), before);
  });

  it('restart of the lab cloud (now in a private mount namespace, like the lab node): the VMs are re-adopted, still ACTIVE, same PIDs; a reboot from there works', async () => {
    const pids = { db: pidOf(servers.db!, 'supervisord'), node: pidOf(servers.node!, 'supervisord') };
    await stopCloud();
    await startCloud(true);
    for (const id of [servers.db!, servers.node!]) assert.equal((await osJson('server', 'show', id)).status, 'ACTIVE');
    assert.equal((await osJson('server', 'show', servers.err!)).status, 'ERROR');
    assert.equal(pidOf(servers.db!, 'supervisord'), pids.db);
    assert.equal(pidOf(servers.node!, 'supervisord'), pids.node);
    assert.ok(isAlive(pids.db) && isAlive(pids.node));
    // The restarted cloud starts VM processes from its private mount namespace
    // (through PID 1's): after a reboot the node's sshd still sees the VM's /etc.
    await os('server', 'reboot', '--wait', servers.node!);
    assert.equal((await osJson('server', 'show', servers.node!)).status, 'ACTIVE');
    assert.notEqual(pidOf(servers.node!, 'supervisord'), pids.node);
    const r = sh(['ip', 'netns', 'exec', CLIENT, 'ssh', '-F', '/dev/null', '-i', join(dir, 'id_vmt'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', 'root@198.18.222.11', 'hostname; cat /etc/hostname'], 20_000);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['vmtest-node1', 'vmtest-node1']);
  });

  it('server delete --wait (by the restarted cloud) leaves no namespace, veth, mount, process, /etc/netns entry or file behind', async () => {
    const all = Object.values(servers);
    const pids = all.flatMap((id) => nsPids(layout(id).ns));
    assert.ok(pids.length >= 4, `processes to be stopped: ${pids.join(' ')}`);
    const t0 = Date.now();
    await os('server', 'delete', '--wait', ...all);
    timings.push(`delete --wait of ${all.length} servers: ${((Date.now() - t0) / 1000).toFixed(2)} s (CLI polls every 5 s); driver: ${[...cloudOutput.matchAll(/destroyed in (\d+) ms/g)].map((m) => `${m[1]} ms`).join(', ')}`);
    const nsLeft = namespaces().filter((n) => all.some((id) => n === layout(id).ns));
    assert.deepEqual(nsLeft, []);
    assert.deepEqual(linksIn(SW).map((l) => l.ifname).sort(), ['lo', ...Object.values(BRIDGES), 'vmt-c0', 'vmt-c1'].sort(), 'only the test\'s own switch links remain');
    assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(vmsDir)), []);
    assert.deepEqual(pids.filter((p) => isAlive(p)), []);
    for (const id of all) {
      assert.ok(!existsSync(layout(id).etc), `${layout(id).etc} removed`);
      assert.ok(!existsSync(layout(id).dir), `${layout(id).dir} removed`);
    }
    assert.ok(existsSync('/etc/trove'), 'the /etc/trove mount point stays');
    assert.ok(!existsSync('/etc/keepalived/x'), "the host's /etc/keepalived never got a VM's file");
    assert.deepEqual(JSON.parse(await os('port', 'list', '-f', 'json', '--device-owner', 'compute:nova')), []);
  });
});
