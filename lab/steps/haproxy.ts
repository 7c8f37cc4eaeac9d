// HAProxy config of the controllers (API VIP, seed 001) and stats-socket access.
// ha1/ha2's (trove-mgmt VIPs, seed 000) is rendered and pushed by `trove-ha
// provision` (lib/provision/render-haproxy.ts), see lab/steps/proxies.ts.
// Logs go to stdout, i.e. the supervisor log file lab.yaml names.
import { createConnection } from 'node:net';
import { API_VIP, controllers, primaryAddress, type LabNode } from '../plan.ts';
import { contract, statsSocket } from '../contract.ts';

const global = (n: LabNode): string => `# HAProxy of lab node ${n.name} (trove-ha-lab), written by lab/steps/haproxy.ts.
global
    log stdout format raw local0 info
    maxconn 4000
    nbthread 1
    stats socket ${statsSocket(n.name)} mode 600 level admin
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
`;

function apiListener(name: string, port: number, check: string): string {
  // roundrobin rather than the seed's `balance source`: the harness calls from
  // one address, and source hashing would pin it to one controller and hide
  // the others from every API fault test.
  return `
listen ${name}
    bind ${API_VIP}:${port}
    mode http
    option httplog
    option forwardfor
    balance roundrobin
    option httpchk ${check}
    timeout client 5m
    timeout server 5m
    default-server inter 2s rise 2 fall 3
${controllers.map((c) => `    server ${c.name} ${primaryAddress(c)}:${port} check`).join('\n')}
`;
}

/**
 * The APIs behind the API VIP. Their backends come up in later steps (keystone,
 * swift, trove): the loadbalancers step only requires Galera and RabbitMQ UP.
 * trove-api answers `GET /` (its version list) without a token.
 */
export const apiServices: { name: string; port: number; check: string }[] = [
  { name: 'keystone', port: 5000, check: 'GET /v3' },
  { name: 'swift', port: 8080, check: 'GET /healthcheck' },
  { name: 'trove-api', port: 8779, check: 'GET /' },
];

/** Controllers: the OpenStack API VIP (apiServices) and Galera on 3307 (seed 001). */
export function controllerHaproxyConfig(n: LabNode): string {
  const checkPort = contract().galera.clustercheckPort;
  return `${global(n)}${apiServices.map((a) => apiListener(a.name, a.port, a.check)).join('')}
# One writer at a time (Galera certification conflicts otherwise), two backups;
# health from clustercheck (HTTP 200 only when Synced), as in seed 001.
listen galera
    bind ${API_VIP}:3307
    mode tcp
    option tcplog
    option httpchk
    balance source
    default-server inter 2s rise 2 fall 3 on-marked-down shutdown-sessions
${controllers.map((c, i) => `    server ${c.name} ${primaryAddress(c)}:3306 check port ${checkPort}${i > 0 ? ' backup' : ''}`).join('\n')}
`;
}

export interface StatRow {
  proxy: string;
  server: string;
  status: string;
}

/** `show stat` over a stats socket, parsed to (proxy, server, status) rows. */
export function showStat(socketPath: string, timeoutMs = 3000): Promise<StatRow[] | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const s = createConnection({ path: socketPath });
    const finish = (rows: StatRow[] | undefined) => {
      s.destroy();
      resolve(rows);
    };
    s.setTimeout(timeoutMs, () => finish(undefined));
    s.on('error', () => finish(undefined));
    s.on('connect', () => s.write('show stat\n'));
    s.on('data', (d) => (buf += d.toString()));
    s.on('end', () => {
      const lines = buf.split('\n').filter((l) => l && !l.startsWith('#'));
      finish(lines.map((l) => l.split(',')).map((f) => ({ proxy: f[0]!, server: f[1]!, status: f[17] ?? '' })));
    });
  });
}
