// Step "toxiproxy": the lab's toxiproxy (lab/toxiproxy, toxiproxy 2.x's API) on
// ha1 and ha2, as supervisor program `toxiproxy`, between HAProxy's RabbitMQ
// listeners and the controllers: proxy amqp-ctlN listens on the node's loopback
// and forwards to rabbit@ctlN; HAProxy (lab/steps/haproxy.ts) sends its
// listener for ctlN there. The API listens on the node's admin address, where
// the harness reaches it (environments/lab.yaml, toxiproxy.servers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabStep, StepContext } from '../step.ts';
import { labPaths } from '../paths.ts';
import { controllers, mgmtProxies, primaryAddress, type LabNode } from '../plan.ts';
import { contract, serviceInstance } from '../contract.ts';
import { convergeProgram, http, labRuntime, shQuote, writeIfChanged } from '../service-kit.ts';
import { waitFor } from '../sh.ts';
import type { ProgramSpec } from '../supervisor.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API_PORT = 8474;
/** amqp-ctlN listens on 127.0.0.1:(25670 + N - 1) of each load balancer. */
const LISTEN_BASE = 25670;

export interface LabProxy {
  name: string;
  listen: string;
  upstream: string;
}

/** The proxies on every toxiproxy node: one per RabbitMQ node, named as in lab.yaml's toxiproxy.proxies. */
export const labProxies: LabProxy[] = controllers.map((c, i) => ({ name: `amqp-${c.name}`, listen: `127.0.0.1:${LISTEN_BASE + i}`, upstream: `${primaryAddress(c)}:5672` }));

/** Where HAProxy on a load balancer sends its listener for `controller`. */
export function toxiproxyListen(controller: LabNode): string {
  const p = labProxies.find((x) => x.upstream.startsWith(`${primaryAddress(controller)}:`));
  if (!p) throw new Error(`lab toxiproxy: no proxy for ${controller.name}`);
  return p.listen;
}

const apiUrl = (n: LabNode) => `http://${primaryAddress(n)}:${API_PORT}`;
// Under the node's state directory, like the lab cloud's config: no /etc entry
// to bind-mount, and the path on the command line marks the process as the lab's.
const configFile = (n: string) => join(labPaths.node(n), 'toxiproxy', 'proxies.json');
const configText = () => `${JSON.stringify(labProxies, null, 2)}\n`;

/** lab.yaml must name the same servers and proxies the lab builds. */
function checkContract(): void {
  const declared = (contract() as unknown as { toxiproxy?: { servers?: Record<string, string>; proxies?: Record<string, string> } }).toxiproxy;
  const want = Object.fromEntries(mgmtProxies.map((n) => [n.name, apiUrl(n)]));
  if (JSON.stringify(declared?.servers) !== JSON.stringify(want)) throw new Error(`environments/lab.yaml: toxiproxy.servers must be ${JSON.stringify(want)}`);
  const names = Object.keys(declared?.proxies ?? {}).sort();
  if (JSON.stringify(names) !== JSON.stringify(labProxies.map((p) => p.name).sort())) throw new Error(`environments/lab.yaml: toxiproxy.proxies must name ${labProxies.map((p) => p.name).join(', ')}`);
}

function program(n: LabNode): ProgramSpec {
  const inst = serviceInstance('toxiproxy', n.name);
  // node + tsx's loader in one process; cwd = the project, where tsx resolves.
  const argv = [process.execPath, '--import', 'tsx', join(PROJECT_ROOT, 'lab/toxiproxy/main.ts'), '-host', primaryAddress(n), '-port', String(API_PORT), '-config', configFile(n.name)];
  return { name: inst.unit, command: argv.map(shQuote).join(' '), directory: PROJECT_ROOT, stopSignal: 'TERM', stopWaitSecs: 10, logFile: inst.log };
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

/** What differs from a clean path on node n: program, config, API, each proxy present, enabled and without toxics. */
async function gaps(n: LabNode): Promise<string[]> {
  const state = await labRuntime.programStatus(n.name, program(n).name);
  if (state !== 'RUNNING') return [`${n.name}: toxiproxy ${state}`];
  const out: string[] = [];
  if (writeWouldChange(n)) out.push(`${n.name}: toxiproxy config`);
  const proxies = await readProxies(n);
  if (!proxies) return [...out, `${n.name}: toxiproxy API ${apiUrl(n)} not answering`];
  for (const want of labProxies) {
    const p = proxies[want.name];
    if (!p) out.push(`${n.name}: proxy ${want.name} missing`);
    else if (p.listen !== want.listen || p.upstream !== want.upstream) out.push(`${n.name}: proxy ${want.name} is ${p.listen} -> ${p.upstream}`);
    else if (!p.enabled) out.push(`${n.name}: proxy ${want.name} disabled`);
    else if (p.toxics.length) out.push(`${n.name}: proxy ${want.name} has toxics ${p.toxics.map((t) => `${t.name}(${t.type})`).join(', ')}`);
  }
  return out;
}


function writeWouldChange(n: LabNode): boolean {
  const f = configFile(n.name);
  return !existsSync(f) || readFileSync(f, 'utf8') !== configText();
}

async function apply(ctx: StepContext): Promise<void> {
  checkContract();
  const t0 = Date.now();
  await Promise.all(
    mgmtProxies.map(async (n) => {
      const changed = writeIfChanged(configFile(n.name), configText());
      await convergeProgram(labRuntime, n.name, program(n), changed, ctx.logFile);
      await waitFor(`toxiproxy API on ${n.name} (${apiUrl(n)})`, async () => (await readProxies(n)) !== undefined, 30_000, 200);
      // A clean path: the configured proxies (POST /populate replaces changed
      // ones), every proxy enabled and no toxic left by an interrupted run.
      const populate = await http(`${apiUrl(n)}/populate`, { method: 'POST', body: JSON.stringify(labProxies), headers: { 'Content-Type': 'application/json' } });
      if (populate.status !== 201) throw new Error(`toxiproxy ${n.name}: POST /populate answered ${populate.status} ${populate.body}`);
      const reset = await http(`${apiUrl(n)}/reset`, { method: 'POST' });
      if (reset.status !== 204) throw new Error(`toxiproxy ${n.name}: POST /reset answered ${reset.status} ${reset.body}`);
    }),
  );
  const left = (await Promise.all(mgmtProxies.map(gaps))).flat();
  if (left.length) throw new Error(`toxiproxy: ${left.join(', ')}`);
  ctx.progress(`toxiproxy: ${labProxies.map((p) => p.name).join(', ')} on ${mgmtProxies.map((n) => n.name).join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function status(): Promise<string[]> {
  return Promise.all(
    mgmtProxies.map(async (n) => {
      const proxies = await readProxies(n);
      if (!proxies) return `toxiproxy ${n.name}: API ${apiUrl(n)} not answering`;
      const parts = Object.values(proxies).map((p) => `${p.name}=${p.enabled ? 'up' : 'DOWN'}${p.toxics.length ? `+${p.toxics.map((t) => t.type).join('+')}` : ''}`);
      return `toxiproxy ${n.name} (${apiUrl(n)}): ${parts.join(' ')}`;
    }),
  );
}

export const toxiproxyStep: LabStep = {
  name: 'toxiproxy',
  async check(ctx) {
    const g = (await Promise.all(mgmtProxies.map(gaps))).flat();
    if (g.length) ctx.progress(`toxiproxy: ${g.slice(0, 6).join(', ')}${g.length > 6 ? ` (+${g.length - 6})` : ''}`);
    return g.length === 0;
  },
  apply,
  async teardown() {},
  status,
};
