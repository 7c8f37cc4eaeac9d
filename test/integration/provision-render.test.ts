// haproxy.cfg and keepalived.conf rendered from the environment (the lab's
// ha1/ha2 get exactly these, through `trove-ha provision`), accepted by the
// real `haproxy -c` and `keepalived -t`, and shaped as the
// documents ask (Swift 8080, one listener per RabbitMQ node on 5670-5672, one
// vrrp_instance per trove-mgmt network with its own router id, one MASTER).
import assert from 'node:assert/strict';
import { parseHaproxyConfig } from '../../lib/provision/parse-haproxy.ts';
import { parseKeepalivedConfig } from '../../lib/provision/parse-keepalived.ts';
import { renderHaproxyConfig } from '../../lib/provision/render-haproxy.ts';
import { renderKeepalivedConfig } from '../../lib/provision/render-keepalived.ts';
import { haproxyCheck, keepalivedCheck } from '../support/config-check.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';

const AUTH_VAR = 'TROVE_HA_TEST_VRRP_PASS';

describe('provision: haproxy/keepalived rendering', () => {
  before(() => {
    process.env[AUTH_VAR] = 'trovelab';
  });
  const env = () => labEnvWithProvision({ ...labProvisionSection(), keepalived: { authPass: { env: AUTH_VAR } } });

  for (const n of ['ha1', 'ha2']) {
    it(`${n}: haproxy.cfg passes haproxy -c`, () => {
      const ours = renderHaproxyConfig(env(), n);
      const check = haproxyCheck(ours);
      assert.equal(check.code, 0, check.output);
    });

    it(`${n}: keepalived.conf passes keepalived -t`, () => {
      const ours = renderKeepalivedConfig(env(), n);
      const check = keepalivedCheck(ours, ['eth0', 'eth1', 'eth2', 'eth3']);
      assert.equal(check.code, 0, check.output);
    });
  }

  it('listeners: Swift on 8080 to every Swift node, one per RabbitMQ node on 5670, 5671, 5672', () => {
    const proxies = parseHaproxyConfig(renderHaproxyConfig(env(), 'ha1')).proxies;
    assert.deepEqual(
      proxies.map((p) => [p.name, [...new Set(p.binds.map((b) => b.split(':')[1]))].join(), p.servers.map((s) => `${s.name}=${s.address}:${s.port}`).join(' ')]),
      [
        ['swift', '8080', 'ctl1=198.18.0.11:8080 ctl2=198.18.0.12:8080 ctl3=198.18.0.13:8080'],
        ['rabbitmq1', '5670', 'ctl1=198.18.0.11:5672'],
        ['rabbitmq2', '5671', 'ctl2=198.18.0.12:5672'],
        ['rabbitmq3', '5672', 'ctl3=198.18.0.13:5672'],
      ],
    );
  });

  it('VRRP: one instance per trove-mgmt network, distinct router ids, exactly one MASTER per instance across the cluster', () => {
    const [a, b] = ['ha1', 'ha2'].map((n) => parseKeepalivedConfig(renderKeepalivedConfig(env(), n)).instances);
    assert.deepEqual(a!.map((i) => i.virtualRouterId), [51, 52, 53]);
    for (const [i, inst] of a!.entries()) {
      const states = [inst.state, b![i]!.state].sort();
      assert.deepEqual(states, ['BACKUP', 'MASTER'], `${inst.name}`);
      assert.equal(inst.name, b![i]!.name);
    }
  });

  it('the parser reads the documents\' own sample (old `listen name addr:port` form, duplicated router ids)', () => {
    const doc = 'listen rabbitmq2 0.0.0.0:5671\n    mode tcp\n    balance roundrobin\n    server rabbit1 10.0.2.32:5672 check inter 5000 rise 2 fall 2\n';
    assert.deepEqual(parseHaproxyConfig(doc).proxies, [{ kind: 'listen', name: 'rabbitmq2', binds: ['0.0.0.0:5671'], balance: 'roundrobin', mode: 'tcp', servers: [{ name: 'rabbit1', address: '10.0.2.32', port: 5672, check: true, backup: false }] }]);
    const k = parseKeepalivedConfig('global_defs {\n router_id LVS_DEVEL\n}\nvrrp_instance VI_3 {\n  state MASTER\n  interface eth3\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    10.50.2.5\n  }\n}\n');
    assert.deepEqual(k, { routerId: 'LVS_DEVEL', instances: [{ name: 'VI_3', state: 'MASTER', interface: 'eth3', virtualRouterId: 51, priority: 100, vips: ['10.50.2.5'] }] });
  });
});

