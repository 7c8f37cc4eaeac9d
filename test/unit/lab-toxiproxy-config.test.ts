// The lab puts its toxiproxy between HAProxy's RabbitMQ listeners on ha1/ha2
// and the controllers, and says so in environments/lab.yaml: the haproxy.cfg
// `trove-ha provision` renders for them goes through it (provision.haproxy.rabbitmqRelays).
import { strict as assert } from 'node:assert';
import { loadEnvironment } from '../../lib/env/load.ts';
import { renderHaproxyConfig } from '../../lib/provision/render-haproxy.ts';
import { labProxies } from '../../lab/steps/toxiproxy.ts';

describe('lab toxiproxy placement', () => {
  it('HAProxy on ha1/ha2 sends each RabbitMQ listener through its toxiproxy proxy and checks RabbitMQ itself', () => {
    const cfg = renderHaproxyConfig(loadEnvironment('lab').env, 'ha1');
    assert.match(cfg, /listen rabbitmq1\n(?:.*\n)*?\s+server ctl1 127\.0\.0\.1:25670 check addr 198\.18\.0\.11 port 5672\n/);
    assert.match(cfg, /server ctl2 127\.0\.0\.1:25671 check addr 198\.18\.0\.12 port 5672/);
    assert.match(cfg, /server ctl3 127\.0\.0\.1:25672 check addr 198\.18\.0\.13 port 5672/);
    assert.deepEqual(labProxies, [
      { name: 'amqp-ctl1', listen: '127.0.0.1:25670', upstream: '198.18.0.11:5672' },
      { name: 'amqp-ctl2', listen: '127.0.0.1:25671', upstream: '198.18.0.12:5672' },
      { name: 'amqp-ctl3', listen: '127.0.0.1:25672', upstream: '198.18.0.13:5672' },
    ]);
  });

  it('lab.yaml names both servers, on the admin addresses, and the proxies the lab builds', () => {
    const { env } = loadEnvironment('lab');
    assert.deepEqual(env.toxiproxy?.servers, { ha1: 'http://198.18.0.21:8474', ha2: 'http://198.18.0.22:8474' });
    assert.deepEqual(Object.keys(env.toxiproxy?.proxies ?? {}), labProxies.map((p) => p.name));
    assert.deepEqual(Object.keys(env.services.toxiproxy?.instances ?? {}), ['ha1', 'ha2']);
  });
});
