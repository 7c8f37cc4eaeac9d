// Step "rabbitmq": RabbitMQ 3.10 on ctl1-3 (program `rabbitmq`), clustered
// through ctl1, partition handling from lab.yaml (default pause_minority).
//
// Each controller gets its own /etc/rabbitmq (rabbitmq-env.conf with its node
// name and data dir, rabbitmq.conf, advanced.config), so on a node the stock
// /usr/sbin/rabbitmqctl works with no arguments, over SSH too. That wrapper su's
// to user rabbitmq with HOME=/var/lib/rabbitmq, so the Erlang cookie is the one
// shared /var/lib/rabbitmq/.erlang.cookie, which is what the documents do (one
// shared cookie for the cluster); the server runs as rabbitmq with the same HOME.
//
// net_ticktime is lowered to 10 s (advanced.config): a peer is declared down
// after 10-12.5 s of silence instead of 45-75 s (recipe section 10), so a
// partition is detected, and pause_minority acts, in about 10 s.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { LabStep, StepContext } from '../step.ts';
import { onNode, run, waitFor } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { controllers, primaryAddress, type LabNode } from '../plan.ts';
import { ensureDir, ensureFile, fileEquals, writeIfChanged } from '../files.ts';
import { ensureSecret } from '../secrets.ts';
import { contract, serviceInstance } from '../contract.ts';
import { addProgram, programStatus, startProgram, stopProgram } from './nodes.ts';

const PARTITION_MODES = ['pause_minority', 'autoheal', 'ignore'] as const;
export type PartitionHandling = (typeof PARTITION_MODES)[number];

let partitionHandling: PartitionHandling | undefined;
/** Override lab.yaml's rabbitmq.partitionHandling for this process (labUp option). */
export function setPartitionHandling(mode: string | undefined): void {
  if (mode === undefined) return;
  if (!(PARTITION_MODES as readonly string[]).includes(mode)) throw new Error(`unknown RabbitMQ partition handling "${mode}" (one of ${PARTITION_MODES.join(', ')})`);
  partitionHandling = mode as PartitionHandling;
}
function currentPartitionHandling(): string {
  return partitionHandling ?? contract().rabbitmq.partitionHandling ?? 'pause_minority';
}

const RABBIT_HOME = '/var/lib/rabbitmq';
const COOKIE = join(RABBIT_HOME, '.erlang.cookie');
const LAB_USER = 'lab';
const TROVE = 'trove';
const SECRETS = { lab: 'rabbitmq-password', trove: 'rabbitmq-trove-password' };

const nodeName = (n: string): string => contract().rabbitmq.nodes[n] ?? `rabbit@${n}`;
const dataDir = (n: string): string => join(labPaths.node(n), 'rabbitmq');
const etcDir = (n: string): string => join(labPaths.nodeEtc(n), 'rabbitmq');
const first = controllers[0]!;

function envConf(n: LabNode): string {
  return `# RabbitMQ environment of lab node ${n.name} (trove-ha-lab), written by lab/steps/rabbitmq.ts.
# Seen on the node as /etc/rabbitmq/rabbitmq-env.conf: plain \`rabbitmqctl\` finds this node.
NODENAME=${nodeName(n.name)}
MNESIA_BASE=${dataDir(n.name)}/mnesia
LOG_BASE=${labPaths.nodeLog(n.name)}
PID_FILE=${dataDir(n.name)}/rabbit.pid
`;
}

function rabbitConf(n: LabNode): string {
  return `# RabbitMQ of lab node ${n.name} (trove-ha-lab), written by lab/steps/rabbitmq.ts.
# The node's own address: clients come through HAProxy on the trove-mgmt VIPs.
listeners.tcp.1 = ${primaryAddress(n)}:5672
cluster_partition_handling = ${currentPartitionHandling()}
# Fixed limits (not a fraction of the 24 GiB host, shared by every node).
vm_memory_high_watermark.absolute = 512MiB
disk_free_limit.absolute = 50MB
log.file = ${serviceInstance('rabbitmq', n.name).log}
log.file.level = info
log.console = false
`;
}

// Partition detection in ~10 s instead of 60 (see the header).
const advancedConfig = '[{kernel, [{net_ticktime, 10}]}].\n';

const rabbitProgram = (n: string) => ({
  name: serviceInstance('rabbitmq', n).unit,
  command: '/usr/lib/rabbitmq/bin/rabbitmq-server',
  user: 'rabbitmq',
  directory: RABBIT_HOME,
  environment: { HOME: RABBIT_HOME, USER: 'rabbitmq', LOGNAME: 'rabbitmq' },
  stopWaitSecs: 60,
  // The broker's own log is the lab.yaml path; this keeps its console output apart.
  logFile: join(labPaths.nodeLog(n), 'rabbitmq.out'),
});

/** rabbitmqctl on a node, exactly as an operator runs it there. */
export function rabbitmqctl(node: string, args: string[], log?: string, timeoutMs = 60_000) {
  return run(onNode(node, ['/usr/sbin/rabbitmqctl', ...args]), { log, allowFail: true, timeoutMs });
}

export interface RabbitClusterState {
  running: string[];
  partitions: string[];
}

export async function clusterState(node: string): Promise<RabbitClusterState | undefined> {
  const r = await rabbitmqctl(node, ['-q', 'cluster_status', '--formatter', 'json'], undefined, 30_000);
  if (r.code !== 0) return undefined;
  try {
    const j = JSON.parse(r.stdout) as { running_nodes?: string[]; partitions?: Record<string, string[]> | string[] };
    const parts = j.partitions ?? {};
    return { running: (j.running_nodes ?? []).sort(), partitions: Array.isArray(parts) ? parts : Object.keys(parts) };
  } catch {
    return undefined;
  }
}

async function amqpLogin(user: string, secret: string, vhost: string): Promise<boolean> {
  const url = `amqp://${user}:${encodeURIComponent(ensureSecret(secret))}@${primaryAddress(first)}:5672/${encodeURIComponent(vhost)}`;
  try {
    const conn = await amqp.connect(url, { timeout: 5000 });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

async function gaps(): Promise<string[]> {
  const out: string[] = [];
  for (const n of controllers) {
    if (!fileEquals(join(etcDir(n.name), 'rabbitmq-env.conf'), envConf(n)) || !fileEquals(join(etcDir(n.name), 'rabbitmq.conf'), rabbitConf(n)) || !fileEquals(join(etcDir(n.name), 'advanced.config'), advancedConfig))
      out.push(`${n.name}: config`);
  }
  const progs = await Promise.all(controllers.map((n) => programStatus(n.name, rabbitProgram(n.name).name)));
  progs.forEach((p, i) => p.state !== 'RUNNING' && out.push(`${controllers[i]!.name}: rabbitmq ${p.state}`));
  if (out.length) return out;
  const s = await clusterState(first.name);
  const want = controllers.map((n) => nodeName(n.name)).sort();
  if (!s || s.running.join() !== want.join()) out.push(`running nodes ${s ? s.running.join(',') || 'none' : '?'}`);
  if (s?.partitions.length) out.push(`partitions ${s.partitions.join(',')}`);
  if (!(await amqpLogin(LAB_USER, SECRETS.lab, '/'))) out.push('user lab');
  if (!(await amqpLogin(TROVE, SECRETS.trove, TROVE))) out.push('user/vhost trove');
  return out;
}

/** Set a user's password without it ever appearing in a command line or log. */
async function ensureUser(user: string, secret: string, log: string, existing: string[]): Promise<void> {
  const password = ensureSecret(secret);
  // rabbitmqctl reads the password from stdin when it is not an argument.
  const args = existing.includes(user) ? ['change_password', user] : ['add_user', user];
  const r = await run(onNode(first.name, ['/usr/sbin/rabbitmqctl', ...args]), { log, input: `${password}\n`, allowFail: true, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed (see ${log})`);
}

async function awaitStartup(n: string): Promise<number> {
  // await_startup fails at once until the node is registered in epmd (recipe gotcha 4).
  return waitFor(`RabbitMQ ${nodeName(n)} to boot`, async () => (await rabbitmqctl(n, ['-q', 'await_startup', '--timeout', '30'], undefined, 40_000)).code === 0, 120_000, 500);
}

async function apply(ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  if (!existsSync(COOKIE)) {
    // The packaged postinst normally creates it; the documents share one cookie.
    ensureDir(RABBIT_HOME, { owner: 'rabbitmq', mode: 0o755 });
    writeIfChanged(COOKIE, randomBytes(24).toString('hex').toUpperCase(), { owner: 'rabbitmq', mode: 0o400 });
  }
  // Only a node that already ran needs a restart for a changed config; one
  // defined now starts with the new files anyway.
  const wasRunning = new Map<string, boolean>();
  for (const n of controllers) wasRunning.set(n.name, (await programStatus(n.name, rabbitProgram(n.name).name)).state === 'RUNNING');
  const changed = new Map<string, boolean>();
  for (const n of controllers) {
    ensureDir(dataDir(n.name), { owner: 'rabbitmq', mode: 0o750 });
    ensureDir(join(dataDir(n.name), 'mnesia'), { owner: 'rabbitmq', mode: 0o750 });
    ensureFile(serviceInstance('rabbitmq', n.name).log, { owner: 'rabbitmq', mode: 0o640 });
    let c = writeIfChanged(join(etcDir(n.name), 'rabbitmq-env.conf'), envConf(n));
    c = writeIfChanged(join(etcDir(n.name), 'rabbitmq.conf'), rabbitConf(n)) || c;
    c = writeIfChanged(join(etcDir(n.name), 'advanced.config'), advancedConfig) || c;
    writeIfChanged(join(etcDir(n.name), 'enabled_plugins'), '[].\n');
    changed.set(n.name, c && !!wasRunning.get(n.name));
  }

  // Boot all three in parallel (CPU-bound Erlang start-up is the slow part).
  const t0 = Date.now();
  await Promise.all(
    controllers.map(async (n) => {
      const p = rabbitProgram(n.name);
      if (changed.get(n.name)) return; // rolling restart below
      if (!(await addProgram(n.name, p, { log }))) await startProgram(n.name, p.name, { log });
    }),
  );
  await Promise.all(controllers.map((n) => awaitStartup(n.name)));
  ctx.progress(`rabbitmq: 3 nodes booted (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  // A changed config on a running node: restart one node at a time.
  for (const n of controllers) {
    const p = rabbitProgram(n.name);
    if (!changed.get(n.name) || (await programStatus(n.name, p.name)).state !== 'RUNNING') continue;
    const st = (await clusterState(n.name))?.running.length ?? 0;
    if (st === 0) continue;
    await stopProgram(n.name, p.name, { log });
    await addProgram(n.name, p, { log });
    await startProgram(n.name, p.name, { log });
    await awaitStartup(n.name);
    ctx.progress(`rabbitmq: ${n.name} restarted with new config`);
  }

  // Join ctl2, ctl3 to ctl1 (serially: concurrent joins race on the schema).
  for (const n of controllers.slice(1)) {
    const s = await clusterState(n.name);
    if (s?.running.includes(nodeName(first.name))) continue;
    const t1 = Date.now();
    for (const args of [['stop_app'], ['join_cluster', nodeName(first.name)], ['start_app']]) {
      const r = await rabbitmqctl(n.name, args, log);
      if (r.code !== 0 && !(args[0] === 'join_cluster' && /already_member/.test(r.stdout + r.stderr))) throw new Error(`rabbitmqctl ${args.join(' ')} on ${n.name} failed (see ${log})`);
    }
    ctx.progress(`rabbitmq: ${n.name} joined ${nodeName(first.name)} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
  }
  const want = controllers.map((n) => nodeName(n.name)).sort().join();
  await waitFor('3 running RabbitMQ nodes', async () => (await clusterState(first.name))?.running.join() === want, 60_000, 1000);

  const users = await rabbitmqctl(first.name, ['-q', 'list_users', '--formatter', 'json'], log);
  const existing = (JSON.parse(users.stdout || '[]') as { user: string }[]).map((u) => u.user);
  await ensureUser(LAB_USER, SECRETS.lab, log, existing);
  await rabbitmqctl(first.name, ['set_permissions', '-p', '/', LAB_USER, '.*', '.*', '.*'], log);
  await rabbitmqctl(first.name, ['add_vhost', TROVE], log); // fails harmlessly when it exists
  await ensureUser(TROVE, SECRETS.trove, log, existing);
  await rabbitmqctl(first.name, ['set_permissions', '-p', TROVE, TROVE, '.*', '.*', '.*'], log);
  await waitFor('AMQP logins lab@/ and trove@trove', async () => (await amqpLogin(LAB_USER, SECRETS.lab, '/')) && (await amqpLogin(TROVE, SECRETS.trove, TROVE)), 20_000, 500);
  ctx.progress(`rabbitmq: cluster ${want}, ${currentPartitionHandling()}, users lab and trove ready`);
}

async function status(): Promise<string[]> {
  const s = await clusterState(first.name);
  if (!s) {
    const others = await Promise.all(controllers.slice(1).map((n) => clusterState(n.name)));
    const seen = others.find(Boolean);
    return [seen ? `rabbitmq: ${first.name} not answering; running ${seen.running.join(', ')}; partitions ${seen.partitions.join(', ') || 'none'}` : 'rabbitmq: no node answering'];
  }
  return [`rabbitmq: running ${s.running.join(', ')}; partitions ${s.partitions.join(', ') || 'none'}; handling ${currentPartitionHandling()}`];
}

export const rabbitmqStep: LabStep = {
  name: 'rabbitmq',
  async check(ctx) {
    const g = await gaps();
    if (g.length) ctx.progress(`rabbitmq: ${g.slice(0, 6).join(', ')}`);
    return g.length === 0;
  },
  apply,
  async teardown() {},
  status,
};
