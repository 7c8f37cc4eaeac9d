// The namespace micro-VM driver's pure parts: guest path → host path (the
// /etc mapping), network → bridge, routes, names, power state, options.
import assert from 'node:assert/strict';
import { powerOf, type VmManifest } from '../../lab/cloud/vm/adopt.ts';
import { existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { bridgeFor, defaultGuestCommand, planRoutes, roleOf } from '../../lab/cloud/vm/namespace-driver.ts';
import { hostAnchorPid, labCloudConfig, LAB_VM_OPTIONS, labVmDriver } from '../../lab/steps/cloud.ts';
import { switchIfName } from '../../lab/cloud/vm/netns.ts';
import { parseNamespaceOptions } from '../../lab/cloud/vm/options.ts';
import { excludedFromCopyUp, mapGuestPath, vmLayout, type HostEtcKind } from '../../lab/cloud/vm/vm-files.ts';
import type { ImageRecord, NeutronResource } from '../../lab/cloud/model.ts';

const ID = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const l = vmLayout('/var/lib/trove-ha-lab/vms', 'vm-', ID);
const hostEtc: Record<string, HostEtcKind> = { hosts: 'file', mysql: 'dir', ssh: 'dir', 'resolv.conf': 'file', localtime: 'symlink' };
const map = (p: string) => mapGuestPath(p, { layout: l, hostEtc: (e) => hostEtc[e] ?? 'absent', etcMountPoints: ['trove'] });
const res = (o: Record<string, unknown>) => ({ project_id: 'p', tenant_id: 'p', ...o }) as NeutronResource;

describe('lab cloud namespace VM driver (pure parts)', () => {
  it('layout: everything under <vms>/<id> and /etc/netns/<prefix><id>', () => {
    assert.equal(l.ns, `vm-${ID}`);
    assert.equal(l.dir, `/var/lib/trove-ha-lab/vms/${ID}`);
    assert.equal(l.etc, `/etc/netns/vm-${ID}`);
    assert.equal(l.root, `${l.dir}/root`);
    assert.equal(l.uts, `${l.dir}/uts`);
  });

  it('/etc/<existing entry> → /etc/netns/<ns>/ (bind-mounted by ip netns exec); /etc/trove too (a mount point made on demand)', () => {
    assert.deepEqual(map('/etc/hosts'), { guestPath: '/etc/hosts', hostPath: `${l.etc}/hosts`, where: 'etc', entry: 'hosts' });
    assert.deepEqual(map('/etc/trove/conf.d/guest_info.conf'), { guestPath: '/etc/trove/conf.d/guest_info.conf', hostPath: `${l.etc}/trove/conf.d/guest_info.conf`, where: 'etc', entry: 'trove' });
    assert.equal(map('/etc/mysql/conf.d/x.cnf').hostPath, `${l.etc}/mysql/conf.d/x.cnf`);
    assert.equal(map('etc//mysql/../mysql/my.cnf').hostPath, `${l.etc}/mysql/my.cnf`, 'normalised, relative taken from /');
  });

  it('/etc entries the host lacks, symlinks, and every other path → <vm dir>/root/<path> (rewritten)', () => {
    const docker = map('/etc/docker/daemon.json');
    assert.equal(docker.where, 'root');
    assert.equal(docker.hostPath, `${l.root}/etc/docker/daemon.json`);
    assert.match(docker.note!, /no \/etc\/docker/);
    assert.match(map('/etc/localtime').note!, /symlink/);
    assert.equal(map('/opt/app/x').hostPath, `${l.root}/opt/app/x`);
    assert.equal(map('/../../etc/passwd').where, 'root', 'cannot climb out: /../../etc/passwd is /etc/passwd, an absent entry here');
    assert.equal(map('/etc/netns/other/hosts').where, 'root', 'never into another namespace\'s entries');
    assert.throws(() => map('/etc'), /not a file path/);
    assert.throws(() => map('/etc/hosts/x'), /is a file on this host/);
  });

  it('copy-up never takes the host\'s SSH host keys', () => {
    assert.ok(excludedFromCopyUp('ssh_host_ed25519_key'));
    assert.ok(excludedFromCopyUp('ssh_host_rsa_key.pub'));
    assert.ok(!excludedFromCopyUp('sshd_config'));
  });

  it('network → bridge: the documents\' names, overridable by name or id', () => {
    assert.equal(bridgeFor(res({ id: 'n1', name: 'trove-mgmt2' }), {}), 'br-mgmt2');
    assert.equal(bridgeFor(res({ id: 'n1', name: 'tenant' }), {}), 'br-tenant');
    assert.equal(bridgeFor(res({ id: 'n1', name: 'admin-mgmt' }), {}), 'br-admin');
    assert.equal(bridgeFor(res({ id: 'n1', name: 'admin' }), {}), 'br-admin');
    assert.equal(bridgeFor(res({ id: 'n1', name: 'other' }), {}), undefined);
    assert.equal(bridgeFor(res({ id: 'n1', name: 'trove-mgmt1' }), { 'trove-mgmt1': 'vmt-br0' }), 'vmt-br0');
    assert.equal(bridgeFor(res({ id: 'n1', name: 'x' }), { n1: 'vmt-br1' }), 'vmt-br1');
  });

  it('routes: a default route only through a subnet with a gateway (none on trove-mgmt), plus host routes', () => {
    const mgmt = res({ id: 's-m', cidr: '198.18.10.0/24', gateway_ip: null, host_routes: [] });
    const tenant = res({ id: 's-t', cidr: '198.18.20.0/24', gateway_ip: '198.18.20.1', host_routes: [{ destination: '10.9.0.0/16', nexthop: '198.18.20.254' }] });
    const port = (sub: string) => res({ id: `p-${sub}`, fixed_ips: [{ subnet_id: sub, ip_address: '1.1.1.1' }] });
    const legs = [0, 1].map((i) => ({ network: 'n', bridge: 'b', switchIf: 'v', ifname: `eth${i}`, mac: null, addresses: [] }));
    const net = res({ id: 'n' });
    assert.deepEqual(planRoutes(legs, [{ port: port('s-m'), network: net, subnets: [mgmt] }, { port: port('s-t'), network: net, subnets: [tenant] }]), [
      { destination: 'default', via: '198.18.20.1', dev: 'eth1' },
      { destination: '10.9.0.0/16', via: '198.18.20.254', dev: 'eth1' },
    ]);
    assert.deepEqual(planRoutes(legs.slice(0, 1), [{ port: port('s-m'), network: net, subnets: [mgmt] }]), []);
  });

  it('veth names fit in 15 characters: v + 6 hex of the server id + leg', () => {
    assert.equal(switchIfName(ID, 0), 'v0a1b2c0');
    assert.equal(switchIfName(ID, 12), 'v0a1b2c12');
    assert.ok(switchIfName(ID, 99).length <= 15);
  });

  it('role from the image property trove_role', () => {
    const img = (p: Record<string, string>) => ({ base: { id: 'i', owner: null, status: 'active', visibility: 'public', tags: [] }, properties: p }) as ImageRecord;
    assert.equal(roleOf(img({ trove_role: 'database' }), 'node'), 'database');
    assert.equal(roleOf(img({}), 'node'), 'node');
    assert.equal(roleOf(undefined, 'database'), 'database');
    assert.throws(() => roleOf(img({ trove_role: 'router' }), 'node'), /knows database and node/);
  });

  it('power: from the record and the live pids (restart recovery)', () => {
    const m = (phase: VmManifest['phase']) => ({ phase }) as VmManifest;
    assert.equal(powerOf(undefined, {}, true), 'absent');
    assert.equal(powerOf(m('running'), { supervisord: 5 }, false), 'absent');
    assert.equal(powerOf(m('running'), { supervisord: 5 }, true), 'running');
    assert.equal(powerOf(m('running'), {}, true), 'stopped', 'supervisord died: a crashed guest is shut off');
    assert.equal(powerOf(m('stopped'), {}, true), 'stopped');
    assert.equal(powerOf(m('error'), {}, true), 'error');
    assert.equal(powerOf(m('init'), { init: 7 }, true), 'running');
    assert.equal(powerOf(m('init'), {}, true), 'error');
  });

  it('options: lab defaults, relative dir under stateDir, unknown keys and bad names refused', () => {
    const o = parseNamespaceOptions({}, '/s');
    assert.deepEqual([o.switchNamespace, o.namespacePrefix, o.dir, o.defaultRole, o.etcMountPoints, o.splitAppendedCloudConfig], ['lab-sw', 'vm-', '/var/lib/trove-ha-lab/vms', 'node', ['trove'], true]);
    assert.equal(parseNamespaceOptions({ dir: 'vms' }, '/s').dir, '/s/vms');
    assert.throws(() => parseNamespaceOptions({ bridge: {} }, '/s'), /vmDriverOptions/);
    assert.throws(() => parseNamespaceOptions({ namespacePrefix: 'VM_' }, '/s'), /namespacePrefix/);
    assert.throws(() => parseNamespaceOptions({ bridges: { tenant: 'a-very-long-bridge-name' } }, '/s'), /bridges/);
  });

  it('the guest agent command: this node, the project\'s tsx loader and lab/guest/main.ts, all absolute and present', () => {
    const argv = defaultGuestCommand().split(' ');
    assert.equal(argv[0], process.execPath);
    assert.equal(argv[1], '--import');
    assert.match(argv[2]!, /^file:\/\/\/.*\/node_modules\/tsx\/dist\/loader\.mjs$/);
    assert.ok(existsSync(new URL(argv[2]!)), argv[2]);
    assert.match(argv[3]!, /^\/.*\/lab\/guest\/main\.ts$/);
    assert.ok(existsSync(argv[3]!), argv[3]);
    assert.deepEqual(argv.slice(4), ['--config-dir', '/etc/trove/conf.d']);
  });

  it('the lab cloud config of the lab: namespace driver by default, lab switch, VM dir, the guest command', () => {
    const saved = { d: process.env.TROVE_HA_LAB_VM_DRIVER, o: process.env.TROVE_HA_LAB_VM_DRIVER_OPTIONS };
    try {
      delete process.env.TROVE_HA_LAB_VM_DRIVER;
      delete process.env.TROVE_HA_LAB_VM_DRIVER_OPTIONS;
      assert.equal(labVmDriver(), 'namespace');
      const c = parseYaml(labCloudConfig()) as { vmDriver: string; vmDriverOptions: Record<string, unknown> };
      assert.equal(c.vmDriver, 'namespace');
      const anchor = hostAnchorPid();
      assert.deepEqual(c.vmDriverOptions, { ...LAB_VM_OPTIONS, hostNamespaces: anchor ? `pid:${anchor}` : 'auto' });
      const o = parseNamespaceOptions(c.vmDriverOptions, '/s');
      assert.deepEqual([o.switchNamespace, o.namespacePrefix, o.dir], ['lab-sw', 'vm-', '/var/lib/trove-ha-lab/vms']);
      assert.equal(parseNamespaceOptions({ hostNamespaces: 'pid:4242' }, '/s').hostNamespaces, 'pid:4242');
      assert.throws(() => parseNamespaceOptions({ hostNamespaces: 'pid:x' }, '/s'), /hostNamespaces/);
      assert.equal(o.guestCommand, defaultGuestCommand());
      process.env.TROVE_HA_LAB_VM_DRIVER = 'null';
      assert.deepEqual((parseYaml(labCloudConfig()) as { vmDriverOptions: unknown }).vmDriverOptions, {});
      process.env.TROVE_HA_LAB_VM_DRIVER = 'namespace';
      process.env.TROVE_HA_LAB_VM_DRIVER_OPTIONS = '{"initTimeoutSeconds": 60}';
      assert.equal((parseYaml(labCloudConfig()) as { vmDriverOptions: { initTimeoutSeconds: number; dir: string } }).vmDriverOptions.initTimeoutSeconds, 60);
    } finally {
      for (const [k, v] of [['TROVE_HA_LAB_VM_DRIVER', saved.d], ['TROVE_HA_LAB_VM_DRIVER_OPTIONS', saved.o]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
