import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, readGuestConfig, underVmRoot } from '../../lab/guest/config.ts';
import { resolveBindAddress } from '../../lab/guest/mariadb/settings.ts';
import { guestAgentConf, troveConf, TENANT_CIDR } from '../../lab/steps/trove.ts';
import { SentClock } from '../../lab/guest/conductor.ts';
import { toGb } from '../../lab/guest/filesystem-stats.ts';
import { createLogger } from '../../lab/guest/log.ts';
import { parseIni } from '../../lab/guest/ini.ts';
import { InvalidTransportUrl, parseTransportUrl } from '../../lab/guest/oslo/transport-url.ts';
import { Transport } from '../../lab/guest/oslo/transport.ts';
import { freePort } from '../support/free-port.ts';

describe('guest config and transport URL', () => {
  it('reads guest_info.conf as the taskmanager writes it plus trove-guestagent.conf', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-conf-'));
    try {
      // Byte-for-byte the template of trove/instance/models.py get_injected_files.
      writeFileSync(join(dir, 'guest_info.conf'), '[DEFAULT]\nguest_id=abc\ndatastore_manager=mariadb\ndatastore_version=10.11\ntenant_id=p1\ninstance_rpc_encr_key=KEY123456\n');
      writeFileSync(
        join(dir, 'trove-guestagent.conf'),
        '[DEFAULT]\n# comment\ntransport_url = rabbit://trove:s3cr%40t@proxy.polex.io:5670,5671,5672/trove\ncontrol_exchange = trove\nreport_interval = 10\n[oslo_messaging_rabbit]\nheartbeat_timeout_threshold = 20\n[mariadb]\nmount_point = /var/lib/mysql\n',
      );
      const c = readGuestConfig(dir);
      assert.equal(c.guestId, 'abc');
      assert.equal(c.datastoreManager, 'mariadb');
      assert.equal(c.instanceRpcEncrKey, 'KEY123456');
      assert.equal(c.controlExchange, 'trove');
      assert.equal(c.conductorQueue, 'trove-conductor');
      assert.equal(c.reportInterval, 10);
      assert.equal(c.rabbit.heartbeatTimeoutThreshold, 20);
      assert.equal(c.rabbit.transientQueuesTtl, 1800);
      const url = parseTransportUrl(c.transportUrl);
      assert.deepEqual(
        url.hosts.map((h) => `${h.username}:${h.password}@${h.hostname}:${h.port}`),
        ['trove:s3cr@t@proxy.polex.io:5670', 'trove:s3cr@t@proxy.polex.io:5671', 'trove:s3cr@t@proxy.polex.io:5672'],
      );
      assert.equal(url.vhost, 'trove');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in a lab VM (VM_ROOT set) the state dir lies under the VM\'s own directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-conf-'));
    try {
      writeFileSync(join(dir, 'guest_info.conf'), '[DEFAULT]\nguest_id=abc\ndatastore_manager=mysql\n');
      writeFileSync(join(dir, 'trove-guestagent.conf'), '[DEFAULT]\ntransport_url = rabbit://u:p@h:5672/trove\n');
      assert.equal(readGuestConfig(dir, {}).stateDir, '/opt/trove-guestagent');
      assert.equal(readGuestConfig(dir, { VM_ROOT: '/v/1/root' }).stateDir, '/v/1/root/opt/trove-guestagent');
      assert.equal(underVmRoot('/v/1/root/x', '/v/1/root'), '/v/1/root/x', 'already below VM_ROOT');
      assert.equal(underVmRoot('rel', '/v/1/root'), 'rel');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lab_bind_address: an address as is, a CIDR = this machine\'s address in it', () => {
    const ifs = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [{ address: '198.18.10.17', netmask: '255.255.255.0', family: 'IPv4', mac: 'fa:16:3e:00:00:01', internal: false, cidr: '198.18.10.17/24' }],
      eth1: [{ address: '198.18.20.103', netmask: '255.255.255.0', family: 'IPv4', mac: 'fa:16:3e:00:00:02', internal: false, cidr: '198.18.20.103/24' }],
    } as Parameters<typeof resolveBindAddress>[1];
    assert.equal(resolveBindAddress('0.0.0.0', ifs), '0.0.0.0');
    assert.equal(resolveBindAddress('198.18.20.0/24', ifs), '198.18.20.103');
    assert.equal(resolveBindAddress('198.18.10.0/24', ifs), '198.18.10.17');
    assert.throws(() => resolveBindAddress('198.18.30.0/24', ifs), (e: Error) => e instanceof ConfigError && /no address in that subnet/.test(e.message));
    assert.throws(() => resolveBindAddress('198.18.400.0/24', ifs), ConfigError);
  });

  it('the lab\'s Trove config: injected files owned by root (no user ubuntu in a lab VM), the guest config binds MariaDB to the tenant subnet', () => {
    const conf = troveConf({ marker: '# m', node: { name: 'ctl1', address: '198.18.0.11' }, dbUrl: 'x', transportUrl: 'rabbit://', servicePassword: 's', managementNetworks: ['n'], instRpcKey: 'k', taskmanagerRpcKey: 't', lockPath: '/l' });
    const ini = parseIni(conf.split('\n').slice(1).join('\n'));
    assert.equal(ini.get('DEFAULT')!.get('injected_config_owner'), 'root');
    assert.equal(ini.get('DEFAULT')!.get('injected_config_group'), 'root');
    assert.equal(ini.get('DEFAULT')!.get('control_exchange'), 'trove');
    const guest = parseIni(guestAgentConf('pw'));
    assert.equal(guest.get('DEFAULT')!.get('control_exchange'), 'trove');
    assert.equal(guest.get('mysql')!.get('lab_bind_address'), TENANT_CIDR);
    assert.equal(TENANT_CIDR, '198.18.20.0/24');
  });

  it('names what is missing, without the secret values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-conf-'));
    try {
      writeFileSync(join(dir, 'guest_info.conf'), '[DEFAULT]\nguest_id=abc\ndatastore_manager=mariadb\n');
      assert.throws(() => readGuestConfig(dir), (e: Error) => e instanceof ConfigError && /transport_url is missing/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses oslo multi-host URLs, defaults and rejects nonsense', () => {
    const u = parseTransportUrl('rabbit://a:b@h1:1,c:d@h2,[::1]:7/');
    assert.deepEqual(u.hosts, [
      { hostname: 'h1', port: 1, username: 'a', password: 'b' },
      { hostname: 'h2', port: 5672, username: 'c', password: 'd' },
      { hostname: '::1', port: 7, username: 'c', password: 'd' },
    ]);
    assert.equal(u.vhost, '');
    assert.throws(() => parseTransportUrl('kafka://h'), InvalidTransportUrl);
    assert.throws(() => parseTransportUrl('rabbit://u:SECRET@h:99999/'), (e: Error) => !e.message.includes('SECRET'));
  });

  it('INI: quotes, continuation lines, later values win', () => {
    const ini = parseIni('[DEFAULT]\na = "x y"\nb = 1\nb = 2\nc = first\n  second\n');
    assert.equal(ini.get('DEFAULT')!.get('a'), 'x y');
    assert.equal(ini.get('DEFAULT')!.get('b'), '2');
    assert.equal(ini.get('DEFAULT')!.get('c'), 'first\nsecond');
  });

  it('heartbeat sent is strictly increasing even within one microsecond', () => {
    const clock = new SentClock();
    let last = 0;
    for (let i = 0; i < 10_000; i++) {
      const s = clock.next();
      assert.ok(s > last);
      last = s;
    }
  });

  it('to_gb matches trove.common.utils.to_gb', () => {
    assert.equal(toGb(0), 0);
    assert.equal(toGb(1), 0.01);
    assert.equal(toGb(10 * 1024 ** 3), 10);
    assert.equal(toGb(0.46 * 1024 ** 3), 0.46);
  });

  it('the logger masks registered secrets', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.addSecret('hunter22');
    log.info('password is hunter22');
    assert.match(lines[0]!, /password is \*\*\*$/);
  });

  it('transport: no broker -> bounded retries with backoff, whenConnected times out, close is prompt', async () => {
    const port = await freePort('127.0.0.1');
    const t = new Transport({ hosts: [{ hostname: '127.0.0.1', port, username: 'u', password: 'p' }], vhost: '', log: createLogger({ write: () => {} }), retryIntervalMs: 50, retryBackoffMs: 50, maxIntervalMs: 100, connectTimeoutMs: 500 });
    t.start();
    await assert.rejects(t.whenConnected(600), /no AMQP connection within 600 ms/);
    assert.ok(t.stats.failedAttempts >= 3, `attempts ${t.stats.failedAttempts}`);
    const started = Date.now();
    await t.close();
    assert.ok(Date.now() - started < 1000);
  });
});
