// A small destructive site for fault tests: two keepalived holders of one VIP,
// three Galera nodes, supervisor-managed services, a toxiproxy URL.
import { environmentSchema, type Environment, type ToxiproxyDef } from '../../lib/env/schema.ts';

export function faultEnvironment(overrides: { destructive?: boolean; toxiproxyUrl?: string; toxiproxy?: ToxiproxyDef } = {}): Environment {
  const credentials = { username: 'unused', password: { env: 'TROVE_HA_TEST_UNUSED' }, project: 'unused' };
  const sv = (nodes: string[], unit: string) => ({ driver: 'supervisor', instances: Object.fromEntries(nodes.map((n) => [n, { unit }])) });
  return environmentSchema.parse({
    name: 'faults-test',
    destructive: overrides.destructive ?? true,
    keystone: { url: 'http://127.0.0.1:9/v3', admin: credentials, tenant: credentials },
    nodes: {
      ctl1: { address: '198.18.0.11' },
      ctl2: { address: '198.18.0.12' },
      ctl3: { address: '198.18.0.13' },
      ha1: { address: '198.18.0.21' },
      ha2: { address: '198.18.0.22' },
      guest: { address: '198.18.10.4', ssh: { jumpHost: 'ha1' } },
    },
    services: {
      galera: sv(['ctl1', 'ctl2', 'ctl3'], 'mariadb'),
      rabbitmq: sv(['ctl1', 'ctl2', 'ctl3'], 'rabbitmq'),
      keepalived: sv(['ha1', 'ha2'], 'keepalived'),
      trove: sv(['ctl1', 'ctl2', 'ctl3'], 'trove-conductor'),
    },
    vips: {
      mgmt1: { address: '198.18.10.5', holders: ['ha1', 'ha2'], keepalived: { instance: 'VI_1', service: 'keepalived', interface: 'eth1', virtualRouterId: 51 } },
    },
    galera: { nodes: ['ctl1', 'ctl2', 'ctl3'], service: 'galera', endpoint: { host: '198.18.0.10', port: 3307 }, probeUser: { username: 'p', password: { env: 'TROVE_HA_TEST_UNUSED' } } },
    trove: { datastore: 'mysql', datastoreVersion: '5.7', flavor: 'f', services: { api: 'trove', taskmanager: 'trove', conductor: 'trove' } },
    ...(overrides.toxiproxyUrl ? { toxiproxy: { url: overrides.toxiproxyUrl } } : {}),
    ...(overrides.toxiproxy ? { toxiproxy: overrides.toxiproxy } : {}),
  });
}

/** `ip -o -4 addr show` output of a node that has (or not) the address on eth1. */
export function ipAddrOutput(has: string[]): string {
  return ['2: eth1    inet 198.18.10.2/24 brd 198.18.10.255 scope global eth1\\       valid_lft forever preferred_lft forever', ...has.map((a) => `2: eth1    inet ${a}/24 scope global secondary eth1\\       valid_lft forever preferred_lft forever`)].join('\n');
}
