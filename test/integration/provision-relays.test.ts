// provision.haproxy.rabbitmqRelays: HAProxy on the trove-mgmt nodes sends each
// RabbitMQ listener's data through a relay on the node (the lab's toxiproxy,
// for link faults) and still health-checks RabbitMQ itself. The rendered
// config passes the real `haproxy -c`, the parser reads the relay and the
// check target apart, the security group is unchanged (relays are on the
// node), and the environment file names a bad relay clearly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../lib/env/errors.ts';
import { parseEnvironment } from '../../lib/env/load.ts';
import { servicePortRanges } from '../../lib/provision/desired.ts';
import { parseHaproxyConfig } from '../../lib/provision/parse-haproxy.ts';
import { renderHaproxyConfig } from '../../lib/provision/render-haproxy.ts';
import { haproxyCheck } from '../support/config-check.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RELAYS = { ctl1: '127.0.0.1:25670', ctl2: '127.0.0.1:25671', ctl3: '127.0.0.1:25672' };

describe('provision: RabbitMQ relays on the HAProxy nodes', () => {
  const withRelays = (relays: Record<string, string> = RELAYS) => labEnvWithProvision({ ...labProvisionSection(), haproxy: { log: 'stdout', rabbitmqRelays: relays } });

  it('each RabbitMQ listener sends its data to the relay and checks the RabbitMQ node itself; haproxy -c accepts it', () => {
    const cfg = renderHaproxyConfig(withRelays(), 'ha1');
    assert.match(cfg, /listen rabbitmq1\n(?:.*\n)*?\s+server ctl1 127\.0\.0\.1:25670 check addr 198\.18\.0\.11 port 5672\n/);
    const check = haproxyCheck(cfg);
    assert.equal(check.code, 0, check.output);
    const servers = parseHaproxyConfig(cfg).proxies.flatMap((p) => p.servers.map((s) => ({ proxy: p.name, ...s })));
    assert.deepEqual(
      servers.filter((s) => s.proxy.startsWith('rabbitmq')),
      [
        { proxy: 'rabbitmq1', name: 'ctl1', address: '127.0.0.1', port: 25670, check: true, backup: false, checkAddress: '198.18.0.11', checkPort: 5672 },
        { proxy: 'rabbitmq2', name: 'ctl2', address: '127.0.0.1', port: 25671, check: true, backup: false, checkAddress: '198.18.0.12', checkPort: 5672 },
        { proxy: 'rabbitmq3', name: 'ctl3', address: '127.0.0.1', port: 25672, check: true, backup: false, checkAddress: '198.18.0.13', checkPort: 5672 },
      ],
    );
    assert.deepEqual(servers.filter((s) => s.proxy === 'swift').map((s) => `${s.address}:${s.port}`), ['198.18.0.11:8080', '198.18.0.12:8080', '198.18.0.13:8080'], 'Swift goes direct');
  });

  it('a node without a relay is reached directly; relays change no security-group port', () => {
    const env = withRelays({ ctl2: '127.0.0.1:25671' });
    const lines = renderHaproxyConfig(env, 'ha2').split('\n').filter((l) => l.trim().startsWith('server ctl'));
    assert.ok(lines.includes('    server ctl1 198.18.0.11:5672 check'), lines.join('\n'));
    assert.ok(lines.includes('    server ctl2 127.0.0.1:25671 check addr 198.18.0.12 port 5672'), lines.join('\n'));
    assert.deepEqual(servicePortRanges(env), servicePortRanges(labEnvWithProvision(labProvisionSection())));
  });

  it('the environment file names an unknown RabbitMQ node and a relay that is not <IPv4>:<port>, field by field', () => {
    const raw = parse(readFileSync(join(ROOT, 'environments/lab.yaml'), 'utf8')) as Record<string, any>;
    raw.provision = { ...labProvisionSection(), haproxy: { rabbitmqRelays: { ctl1: 'localhost:25670', ctl2: '127.0.0.1:70000', ctl3: '127.0.0.1', ctl9: '127.0.0.1:25679' } } };
    let problems: string[] = [];
    try {
      parseEnvironment(stringify(raw), '/x/relays.yaml');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    const expect = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `no problem matches ${re}:\n${problems.join('\n')}`);
    expect(/provision\.haproxy\.rabbitmqRelays\.ctl1: an address and port like 127\.0\.0\.1:25670/);
    expect(/provision\.haproxy\.rabbitmqRelays\.ctl2: the port after ":" must be 1-65535/);
    expect(/provision\.haproxy\.rabbitmqRelays\.ctl3: an address and port like 127\.0\.0\.1:25670/);
    expect(/provision\.haproxy\.rabbitmqRelays\.ctl9: names RabbitMQ node "ctl9", which is not in rabbitmq\.nodes \(have: ctl1, ctl2, ctl3\)/);
    assert.equal(problems.length, 4, problems.join('\n'));
  });

  it("the parser reads the lab's hand-written relay line and the documents' plain form alike", () => {
    const cfg = 'listen rabbitmq1\n    bind 198.18.10.5:5670\n    server ctl1 127.0.0.1:25670 check addr 198.18.0.11 port 5672\n    server rabbit1 198.18.0.32:5672 check inter 5000 rise 2 fall 2\n';
    assert.deepEqual(parseHaproxyConfig(cfg).proxies[0]!.servers, [
      { name: 'ctl1', address: '127.0.0.1', port: 25670, check: true, backup: false, checkAddress: '198.18.0.11', checkPort: 5672 },
      { name: 'rabbit1', address: '198.18.0.32', port: 5672, check: true, backup: false },
    ]);
  });
});
