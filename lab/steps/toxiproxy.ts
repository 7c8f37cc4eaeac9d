// The lab's toxiproxy (lab/toxiproxy, toxiproxy 2.x's API) on ha1 and ha2,
// between HAProxy's RabbitMQ listeners and the controllers: proxy amqp-ctlN
// listens on the node's loopback and forwards to rabbit@ctlN; the haproxy.cfg
// `trove-ha provision` renders sends its listener for ctlN there
// (provision.haproxy.rabbitmqRelays in environments/lab.yaml). It runs as
// program `toxiproxy` of the HAProxy node image (lab/steps/proxy-image.ts),
// from the config file written before the VM boots; its API listens on the
// node's admin address, where the harness reaches it (lab.yaml, toxiproxy.servers).
// The proxies step (lab/steps/proxies.ts) checks and resets it.
import { contract } from '../contract.ts';
import { controllers, mgmtProxies, primaryAddress, type LabNode } from '../plan.ts';
import { http } from '../service-kit.ts';
import { TOXIPROXY_API_PORT } from './proxy-image.ts';

/** amqp-ctlN listens on 127.0.0.1:(25670 + N - 1) of each load balancer. */
const LISTEN_BASE = 25670;

export interface LabProxy {
  name: string;
  listen: string;
  upstream: string;
}

/** The proxies on every toxiproxy node: one per RabbitMQ node, named as in lab.yaml's toxiproxy.proxies. */
export const labProxies: LabProxy[] = controllers.map((c, i) => ({ name: `amqp-${c.name}`, listen: `127.0.0.1:${LISTEN_BASE + i}`, upstream: `${primaryAddress(c)}:5672` }));

const apiUrl = (n: LabNode) => `http://${primaryAddress(n)}:${TOXIPROXY_API_PORT}`;
export const toxiproxyConfigText = (): string => `${JSON.stringify(labProxies, null, 2)}\n`;

/** lab.yaml must name the same servers and proxies the lab builds. */
export function checkToxiproxyContract(): void {
  const declared = (contract() as unknown as { toxiproxy?: { servers?: Record<string, string>; proxies?: Record<string, string> } }).toxiproxy;
  const want = Object.fromEntries(mgmtProxies.map((n) => [n.name, apiUrl(n)]));
  if (JSON.stringify(declared?.servers) !== JSON.stringify(want)) throw new Error(`environments/lab.yaml: toxiproxy.servers must be ${JSON.stringify(want)}`);
  const names = Object.keys(declared?.proxies ?? {}).sort();
  if (JSON.stringify(names) !== JSON.stringify(labProxies.map((p) => p.name).sort())) throw new Error(`environments/lab.yaml: toxiproxy.proxies must name ${labProxies.map((p) => p.name).join(', ')}`);
}

interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: { name: string; type: string }[];
}

async function readProxies(n: LabNode): Promise<Record<string, ProxyState> | undefined> {
  const r = await http(`${apiUrl(n)}/proxies`, { timeoutMs: 3000 });
  return r.status === 200 ? (JSON.parse(r.body) as Record<string, ProxyState>) : undefined;
}

/** What differs from a clean path on node n: API answering, each proxy present, enabled and without toxics. */
export async function toxiproxyGaps(n: LabNode): Promise<string[]> {
  const proxies = await readProxies(n);
  if (!proxies) return [`${n.name}: toxiproxy API ${apiUrl(n)} not answering`];
  const out: string[] = [];
  for (const want of labProxies) {
    const p = proxies[want.name];
    if (!p) out.push(`${n.name}: proxy ${want.name} missing`);
    else if (p.listen !== want.listen || p.upstream !== want.upstream) out.push(`${n.name}: proxy ${want.name} is ${p.listen} -> ${p.upstream}`);
    else if (!p.enabled) out.push(`${n.name}: proxy ${want.name} disabled`);
    else if (p.toxics.length) out.push(`${n.name}: proxy ${want.name} has toxics ${p.toxics.map((t) => `${t.name}(${t.type})`).join(', ')}`);
  }
  return out;
}

/** A clean path: the configured proxies (POST /populate replaces changed ones), every proxy enabled, no toxic left by an interrupted run. */
export async function toxiproxyReset(n: LabNode): Promise<void> {
  checkToxiproxyContract();
  const populate = await http(`${apiUrl(n)}/populate`, { method: 'POST', body: JSON.stringify(labProxies), headers: { 'Content-Type': 'application/json' } });
  if (populate.status !== 201) throw new Error(`toxiproxy ${n.name}: POST /populate answered ${populate.status || 'nothing'} ${populate.body}`);
  const reset = await http(`${apiUrl(n)}/reset`, { method: 'POST' });
  if (reset.status !== 204) throw new Error(`toxiproxy ${n.name}: POST /reset answered ${reset.status || 'nothing'} ${reset.body}`);
  const left = await toxiproxyGaps(n);
  if (left.length) throw new Error(`toxiproxy: ${left.join(', ')}`);
}

export async function toxiproxyStatus(n: LabNode): Promise<string> {
  const proxies = await readProxies(n);
  if (!proxies) return `toxiproxy ${n.name}: API ${apiUrl(n)} not answering`;
  const parts = Object.values(proxies).map((p) => `${p.name}=${p.enabled ? 'up' : 'DOWN'}${p.toxics.length ? `+${p.toxics.map((t) => t.type).join('+')}` : ''}`);
  return `toxiproxy ${n.name} (${apiUrl(n)}): ${parts.join(' ')}`;
}
