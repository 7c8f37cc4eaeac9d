import assert from 'node:assert/strict';
import {
  labSwiftLayout,
  memcachedArgv,
  needsRestart,
  proxyServerConf,
  ringBuildCommands,
  ringSpec,
  storageServerConf,
  swiftConf,
  swiftPrograms,
} from '../../lab/steps/swift.ts';

const iniValue = (ini: string, section: string, key: string): string | undefined => {
  const body = ini.split(/^\[/m).find((s) => s.startsWith(`${section}]`));
  return body?.match(new RegExp(`^${key.replace('.', '\\.')} = (.*)$`, 'm'))?.[1];
};

describe('lab swift config', () => {
  const proxy = proxyServerConf({
    marker: '# m',
    bindIp: '198.18.0.11',
    port: 8080,
    swiftDir: '/etc/swift',
    memcacheServers: ['198.18.0.11:11211'],
    authUrl: 'http://198.18.0.10:5000',
    servicePassword: 'pw',
    operatorRoles: ['admin', 'member'],
  });

  it('proxy: foreground single process on the node address, keystone auth', () => {
    assert.equal(iniValue(proxy, 'DEFAULT', 'bind_ip'), '198.18.0.11');
    assert.equal(iniValue(proxy, 'DEFAULT', 'bind_port'), '8080');
    assert.equal(iniValue(proxy, 'DEFAULT', 'workers'), '0');
    const pipeline = iniValue(proxy, 'pipeline:main', 'pipeline')!.split(' ');
    // the brief's pipeline, in order, plus what swift would insert itself
    const required = ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'cache', 'authtoken', 'keystoneauth', 'proxy-logging', 'proxy-server'];
    let i = 0;
    for (const p of pipeline) if (p === required[i]) i++;
    assert.equal(i, required.length, pipeline.join(' '));
    for (const f of pipeline.filter((p) => p !== 'proxy-server')) assert.ok(proxy.includes(`[filter:${f}]`), f);
    assert.equal(iniValue(proxy, 'filter:authtoken', 'auth_url'), 'http://198.18.0.10:5000');
    assert.equal(iniValue(proxy, 'filter:authtoken', 'username'), 'swift');
    assert.equal(iniValue(proxy, 'filter:authtoken', 'project_name'), 'service');
    assert.equal(iniValue(proxy, 'filter:authtoken', 'delay_auth_decision'), 'true');
    assert.equal(iniValue(proxy, 'filter:authtoken', 'cache'), 'swift.cache');
    assert.equal(iniValue(proxy, 'filter:keystoneauth', 'operator_roles'), 'admin, member');
    assert.equal(iniValue(proxy, 'filter:cache', 'memcache_servers'), '198.18.0.11:11211');
    assert.equal(iniValue(proxy, 'app:proxy-server', 'account_autocreate'), 'true');
  });

  it('storage servers: plain directory devices, no mount check', () => {
    const conf = storageServerConf({ marker: '# m', kind: 'object', bindIp: '198.18.0.13', port: 6200, swiftDir: '/etc/swift', devices: '/var/lib/trove-ha-lab/nodes/ctl3/srv/node' });
    assert.equal(iniValue(conf, 'DEFAULT', 'mount_check'), 'false');
    assert.equal(iniValue(conf, 'DEFAULT', 'devices'), '/var/lib/trove-ha-lab/nodes/ctl3/srv/node');
    assert.equal(iniValue(conf, 'DEFAULT', 'workers'), '0');
    assert.equal(iniValue(conf, 'pipeline:main', 'pipeline'), 'healthcheck object-server');
    assert.equal(iniValue(conf, 'app:object-server', 'use'), 'egg:swift#object');
  });

  it('swift.conf carries the hash secrets and one default policy', () => {
    const c = swiftConf({ marker: '# m', hashPrefix: 'P', hashSuffix: 'S' });
    assert.equal(iniValue(c, 'swift-hash', 'swift_hash_path_prefix'), 'P');
    assert.equal(iniValue(c, 'swift-hash', 'swift_hash_path_suffix'), 'S');
    assert.equal(iniValue(c, 'storage-policy:0', 'default'), 'yes');
  });

  it('rings: one device per storage node and zone, rebalanced', () => {
    const l = labSwiftLayout();
    const spec = ringSpec(l);
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.devices.object.map((d) => `z${d.zone}-${d.ip}:${d.port}/${d.device}`), ['z1-198.18.0.11:6200/d1', 'z2-198.18.0.12:6200/d1', 'z3-198.18.0.13:6200/d1']);
    assert.deepEqual(spec.devices.account.map((d) => d.port), [6202, 6202, 6202]);
    const cmds = ringBuildCommands(spec, '/x', 'container');
    assert.deepEqual(cmds[0], ['swift-ring-builder', '/x/container.builder', 'create', '8', '3', '1']);
    assert.equal(cmds.filter((c) => c[2] === 'add').length, 3);
    assert.deepEqual(cmds.at(-1), ['swift-ring-builder', '/x/container.builder', 'rebalance']);
    assert.throws(() => ringSpec({ ...l, replicas: 4 }), /replicas need/);
  });

  it('lab layout: programs per controller, logs and paths of the contract', () => {
    const l = labSwiftLayout();
    assert.equal(l.devicesDir('ctl2'), '/var/lib/trove-ha-lab/nodes/ctl2/srv/node');
    assert.deepEqual(l.etc('ctl1'), { node: '/etc/swift', host: '/etc/netns/ctl1/swift' });
    const progs = swiftPrograms(l, l.proxyNodes[0]!);
    assert.deepEqual(progs.map((p) => p.name), ['swift-account', 'swift-container', 'swift-object', 'memcached', 'swift-proxy']);
    const proxyProg = progs.find((p) => p.name === 'swift-proxy')!;
    assert.equal(proxyProg.logFile, '/var/lib/trove-ha-lab/nodes/ctl1/log/swift-proxy.log');
    assert.match(proxyProg.command, /exec swift-proxy-server \/etc\/swift\/proxy-server.conf -v'$/);
    for (const p of progs) assert.ok(!p.command.includes('%'), p.name);
    const proxyOnly = swiftPrograms({ ...l, storageNodes: [l.proxyNodes[0]!], replicas: 1 }, l.proxyNodes[2]!);
    assert.deepEqual(proxyOnly.map((p) => p.name), ['memcached', 'swift-proxy']);
  });

  it('restarts only the programs whose files changed', () => {
    assert.ok(needsRestart('swift-proxy', new Set(['proxy-server.conf'])));
    assert.ok(!needsRestart('swift-object', new Set(['proxy-server.conf'])));
    assert.ok(needsRestart('swift-object', new Set(['object.ring.gz'])));
    assert.ok(needsRestart('swift-account', new Set(['swift.conf'])));
    assert.ok(!needsRestart('memcached', new Set(['swift.conf'])));
    assert.ok(!needsRestart('swift-proxy', new Set()));
  });

  it('memcached: node address, no UDP, foreground', () => {
    const argv = memcachedArgv({ address: '198.18.0.12', port: 11211, user: 'memcache' });
    assert.equal(argv[argv.indexOf('-l') + 1], '198.18.0.12');
    assert.equal(argv[argv.indexOf('-U') + 1], '0');
    assert.ok(!argv.includes('-d'));
  });
});
