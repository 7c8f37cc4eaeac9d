import assert from 'node:assert/strict';
import {
  catalogPlan,
  catalogProblems,
  keystoneConf,
  keystoneDbSql,
  keystoneDbUrl,
  keystoneProgram,
  keystoneUwsgiArgv,
  labKeystoneLayout,
  type Token,
} from '../../lab/steps/keystone.ts';
import { guardedCommand, markerLine, shQuote } from '../../lab/service-kit.ts';

const db = { host: '198.18.0.10', port: 3307, name: 'keystone', user: 'keystone', userHost: '198.18.%' };

describe('lab keystone config', () => {
  it('builds the DB URL through the Galera VIP', () => {
    assert.equal(keystoneDbUrl(db, 'pw_x-1'), 'mysql+pymysql://keystone:pw_x-1@198.18.0.10:3307/keystone?charset=utf8mb4');
    assert.match(keystoneDbUrl(db, 'a/b@c'), /keystone:a%2Fb%40c@/);
  });

  it('writes keystone.conf with the given paths, fernet tokens and stderr logging', () => {
    const conf = keystoneConf({
      marker: markerLine('keystone', 'ctl2'),
      dbUrl: 'mysql+pymysql://k:p@h:1/keystone',
      fernetDir: '/etc/keystone/fernet-keys',
      credentialDir: '/etc/keystone/credential-keys',
      policyFile: '/etc/keystone/policy.yaml',
    });
    assert.equal(conf.split('\n')[0], markerLine('keystone', 'ctl2'));
    assert.match(conf, /^connection = mysql\+pymysql:\/\/k:p@h:1\/keystone$/m);
    assert.match(conf, /^provider = fernet$/m);
    assert.match(conf, /\[fernet_tokens\]\nkey_repository = \/etc\/keystone\/fernet-keys\n/);
    assert.match(conf, /\[credential\]\nkey_repository = \/etc\/keystone\/credential-keys\n/);
    assert.match(conf, /^use_stderr = true$/m);
    assert.doesNotMatch(conf, /^log_file/m);
    assert.match(conf, /^max_password_length = 72$/m);
  });

  it('creates the database and account idempotently, quoting the password', () => {
    const sql = keystoneDbSql(db, "it's");
    assert.match(sql, /CREATE DATABASE IF NOT EXISTS `keystone`/);
    assert.match(sql, /CREATE USER IF NOT EXISTS 'keystone'@'198\.18\.%' IDENTIFIED BY 'it\\'s';/);
    assert.match(sql, /ALTER USER 'keystone'@'198\.18\.%'/);
    assert.match(sql, /GRANT ALL PRIVILEGES ON `keystone`\.\* TO 'keystone'@'198\.18\.%';/);
    assert.throws(() => keystoneDbSql({ ...db, name: 'x; DROP' }, 'p'));
  });

  it('runs uwsgi on the node address with one process and a few threads', () => {
    const argv = keystoneUwsgiArgv({ address: '198.18.0.12', port: 5000, processes: 1, threads: 4, master: true });
    const opt = (name: string) => argv[argv.indexOf(name) + 1];
    assert.equal(opt('--http-socket'), '198.18.0.12:5000');
    assert.equal(opt('--processes'), '1');
    assert.equal(opt('--threads'), '4');
    assert.equal(opt('--wsgi-file'), '/usr/bin/keystone-wsgi-public');
    assert.equal(opt('--add-header'), 'Connection: close');
    for (const flag of ['--master', '--die-on-term', '--need-app', '--skip-atexit-teardown']) assert.ok(argv.includes(flag), flag);
    assert.ok(!keystoneUwsgiArgv({ address: 'a', port: 1, processes: 1, threads: 1, master: false }).includes('--master'));
  });

  it('lab layout: keystone on ctl1-3 :5000, catalog through the VIP', () => {
    const l = labKeystoneLayout();
    assert.deepEqual(l.nodes.map((n) => `${n.name}=${n.address}`), ['ctl1=198.18.0.11', 'ctl2=198.18.0.12', 'ctl3=198.18.0.13']);
    assert.equal(l.identityUrl, 'http://198.18.0.10:5000/v3');
    assert.deepEqual(l.etc('ctl2'), { node: '/etc/keystone', host: '/etc/netns/ctl2/keystone' });
    assert.equal(l.logFile('ctl3'), '/var/lib/trove-ha-lab/nodes/ctl3/log/keystone.log');
    const spec = keystoneProgram(l, l.nodes[1]!);
    assert.equal(spec.name, 'keystone');
    assert.equal(spec.environment?.OS_KEYSTONE_CONFIG_DIR, '/etc/keystone');
    assert.match(spec.command, /^\/bin\/sh -c '/);
    assert.ok(spec.command.includes('198.18.0.12:5000'));
    assert.ok(spec.command.includes(markerLine('keystone', 'ctl2')));
    assert.ok(!spec.command.includes('%'));
  });

  it('plans identity and object-store endpoints on all three interfaces', () => {
    const plan = catalogPlan({ identityUrl: 'http://v:5000/v3', objectStoreUrl: 'http://v:8080/v1/AUTH_%(project_id)s' });
    assert.deepEqual(plan.map((e) => `${e.type}/${e.name}`), ['identity/keystone', 'object-store/swift']);
    for (const e of plan) assert.deepEqual(e.endpoints.map((x) => x.interface), ['public', 'internal', 'admin']);
  });

  it('compares a token catalog with the plan, expanding the project id', () => {
    const plan = catalogPlan({ identityUrl: 'http://v:5000/v3', objectStoreUrl: 'http://v:8080/v1/AUTH_%(project_id)s' });
    const ep = (url: string) => (['public', 'internal', 'admin'] as const).map((i) => ({ interface: i, region_id: 'RegionOne', url }));
    const token: Token = {
      id: 't',
      projectId: 'p1',
      catalog: [
        { type: 'identity', name: 'keystone', endpoints: ep('http://v:5000/v3') },
        { type: 'object-store', name: 'swift', endpoints: ep('http://v:8080/v1/AUTH_p1') },
      ],
    };
    assert.deepEqual(catalogProblems(token, plan, 'RegionOne'), []);
    const wrong = { ...token, catalog: [token.catalog[0]!, { ...token.catalog[1]!, endpoints: ep('http://other:8080/v1/AUTH_p1').slice(1) }] };
    const problems = catalogProblems(wrong, plan, 'RegionOne');
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /object-store public endpoint: want http:\/\/v:8080\/v1\/AUTH_p1, have none/);
  });
});

describe('lab service kit', () => {
  it('quotes for sh and supervisor', () => {
    assert.equal(shQuote('plain/path-1.conf'), 'plain/path-1.conf');
    assert.equal(shQuote("it's here"), `'it'\\''s here'`);
  });

  it('guards a command on the node config marker and refuses %', () => {
    const cmd = guardedCommand('/etc/swift/proxy-server.conf', '# mark ctl1', ['swift-proxy-server', '/etc/swift/proxy-server.conf', '-v']);
    assert.match(cmd, /grep -qxF/);
    assert.match(cmd, /exit 78/);
    assert.match(cmd, /exec swift-proxy-server \/etc\/swift\/proxy-server.conf -v'$/);
    assert.throws(() => guardedCommand('/f', 'm', ['echo', '100%']), /must not contain '%'/);
  });
});
