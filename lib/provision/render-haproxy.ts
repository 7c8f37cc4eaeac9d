// haproxy.cfg of a trove-mgmt HAProxy node, from the environment: Swift on the
// VIPs' `swift` port and one listener per RabbitMQ node on the VIPs'
// `amqp-<node>` ports (seed 000, 3.4.1: 5670 -> ctl1, 5671 -> ctl2, 5672 -> ctl3),
// bound on the VIPs of the node's cluster (the node needs
// net.ipv4.ip_nonlocal_bind=1 to bind a VIP it does not hold). With
// provision.haproxy.rabbitmqRelays, a RabbitMQ listener sends its data to the
// relay on the node (the lab's toxiproxy) and health-checks RabbitMQ itself
// (`check addr <node> port <port>`), so a fault injected in the relay degrades
// the guests' path without HAProxy marking the node down.
import { ConfigError } from '../env/errors.ts';
import type { Environment } from '../env/schema.ts';
import { provisionOf, vipAddress } from './desired.ts';

export interface ListenerServer {
  name: string;
  address: string;
  port: number;
  /** Where the health check goes when it is not where the data goes (a relay in between). */
  checkAt?: { address: string; port: number };
}

export interface Listener {
  name: string;
  port: number;
  balance?: string;
  servers: ListenerServer[];
}

/** The cluster of trove-mgmt networks a node serves. */
export function clusterOf(env: Environment, node: string): { members: string[]; networks: string[] } {
  const c = provisionOf(env).clusters.find((x) => x.members.some((m) => m.node === node));
  if (!c) throw new ConfigError(`node ${node} is in no provision.clusters entry`);
  return { members: c.members.map((m) => m.node), networks: c.networks };
}

export function mgmtListeners(env: Environment, node: string): Listener[] {
  const p = provisionOf(env);
  const { networks } = clusterOf(env, node);
  const vipPorts = (key: string): number => {
    const ports = new Set(networks.map((n) => env.vips[p.managementNetworks.find((m) => m.name === n)!.vip]!.ports[key]));
    const [port, ...others] = [...ports];
    if (port === undefined || others.length) throw new ConfigError(`vips of ${networks.join(', ')}: ports.${key} must be set to one value on every VIP of the cluster (have ${[...ports].join(', ')})`);
    return port;
  };
  const swift: Listener = {
    name: 'swift',
    port: vipPorts('swift'),
    balance: 'roundrobin',
    servers: p.swift.nodes.map((n) => ({ name: n, address: env.nodes[n]!.address, port: p.swift.port })),
  };
  if (!env.rabbitmq) throw new ConfigError('provision needs the rabbitmq section: one HAProxy listener is rendered per RabbitMQ node');
  const rabbit = Object.keys(env.rabbitmq.nodes).map((n, i): Listener => ({ name: `rabbitmq${i + 1}`, port: vipPorts(`amqp-${n}`), servers: [rabbitServer(env, n)] }));
  return [swift, ...rabbit];
}

function rabbitServer(env: Environment, n: string): ListenerServer {
  const p = provisionOf(env);
  const direct = { address: env.nodes[n]!.address, port: p.rabbitmqPort };
  const relay = p.haproxy.rabbitmqRelays?.[n];
  if (!relay) return { name: n, ...direct };
  const [address, port] = relay.split(':');
  return { name: n, address: address!, port: Number(port), checkAt: direct };
}

function serverLine(s: ListenerServer): string {
  const check = s.checkAt ? `check addr ${s.checkAt.address} port ${s.checkAt.port}` : 'check';
  return `    server ${s.name} ${s.address}:${s.port} ${check}`;
}

export function renderHaproxyConfig(env: Environment, node: string): string {
  const p = provisionOf(env);
  const vips = clusterOf(env, node).networks.map((n) => vipAddress(env, n));
  const log = p.haproxy.log === 'stdout' ? 'log stdout format raw local0 info' : `log ${p.haproxy.log} local0`;
  const socket = env.haproxy?.statsSockets[node] ?? '/var/lib/haproxy/stats';
  const listen = (l: Listener) => `
listen ${l.name}
${vips.map((v) => `    bind ${v}:${l.port}`).join('\n')}
${l.balance ? `    balance ${l.balance}\n` : ''}    default-server inter 2s rise 2 fall 2
${l.servers.map(serverLine).join('\n')}
`;
  return `# HAProxy of ${node}, trove-mgmt proxy of ${env.name}; written by trove-ha provision (lib/provision/render-haproxy.ts).
global
    ${log}
    maxconn 4000
    nbthread 1
    stats socket ${socket} mode 600 level admin
    stats timeout 30s

defaults
    log global
    mode tcp
    option tcplog
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout check 2s
${mgmtListeners(env, node).map(listen).join('')}`;
}
