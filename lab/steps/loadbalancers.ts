// Step "loadbalancers": HAProxy + keepalived on the controllers (API VIP), as
// supervisor programs `haproxy` and `keepalived`. Configs are seen on the nodes
// at the standard /etc paths. The trove-mgmt tier (ha1/ha2) is provisioned
// later, through the lab cloud: lab/steps/proxies.ts.
import { join } from 'node:path';
import type { LabStep, StepContext } from '../step.ts';
import { onNode, run, waitFor } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { controllers, type LabNode } from '../plan.ts';
import { fileEquals, writeIfChanged } from '../files.ts';
import { serviceInstance, statsSocket } from '../contract.ts';
import { addProgram, programStatus, startProgram, stopProgram } from './nodes.ts';
import { controllerHaproxyConfig, showStat, type StatRow } from './haproxy.ts';
import { keepalivedCommand, keepalivedConfig, vipGaps, vipHolders, vips } from './keepalived.ts';

const lbNodes: LabNode[] = controllers;
const haproxyCfg = (n: string): string => join(labPaths.nodeEtc(n), 'haproxy', 'haproxy.cfg');
const keepalivedCfg = (n: string): string => join(labPaths.nodeEtc(n), 'keepalived', 'keepalived.conf');

const haproxyProgram = (n: string) => ({
  name: serviceInstance('haproxy', n).unit,
  // -db: stay in the foreground for supervisor. No master-worker (-W): the lab
  // never reloads HAProxy, and a single process halves its memory.
  command: '/usr/sbin/haproxy -db -f /etc/haproxy/haproxy.cfg',
  stopWaitSecs: 10,
});
const keepalivedProgram = (n: string) => ({
  name: serviceInstance('keepalived', n).unit,
  command: keepalivedCommand(n),
  stopWaitSecs: 10,
  // Debian's keepalived.service has no Restart=: a crashed keepalived stays down
  // (and its stale VIP stays configured) until someone starts it. Restarting it
  // here would also race the reaping of its dead VRRP child: keepalived then
  // says "daemon is already running", exits 0, and is never restarted.
  restartOnCrash: false,
});

/** Backends that must be UP once the lab's own services run (API backends wait for Keystone/Swift/Trove). */
function mustBeUp(row: StatRow): boolean {
  return !['FRONTEND', 'BACKEND'].includes(row.server) && row.proxy === 'galera';
}

async function backendGaps(n: LabNode): Promise<string[]> {
  const rows = await showStat(statsSocket(n.name));
  if (!rows) return [`${n.name}: stats socket`];
  return rows.filter((r) => mustBeUp(r) && r.status !== 'UP').map((r) => `${n.name}: ${r.proxy}/${r.server} ${r.status}`);
}

async function gaps(): Promise<string[]> {
  const out: string[] = [];
  await Promise.all(
    lbNodes.map(async (n) => {
      if (!fileEquals(haproxyCfg(n.name), controllerHaproxyConfig(n)) || !fileEquals(keepalivedCfg(n.name), keepalivedConfig(n))) out.push(`${n.name}: config`);
      for (const p of [haproxyProgram(n.name).name, keepalivedProgram(n.name).name]) {
        const s = await programStatus(n.name, p);
        if (s.state !== 'RUNNING') out.push(`${n.name}: ${p} ${s.state}`);
      }
    }),
  );
  if (out.length) return out;
  out.push(...(await vipGaps(vips)));
  out.push(...(await Promise.all(lbNodes.map(backendGaps))).flat());
  return out;
}

async function ensureProgram(n: string, spec: { name: string; command: string; stopWaitSecs: number }, configChanged: boolean, log: string): Promise<void> {
  const state = (await programStatus(n, spec.name)).state;
  if (state === 'RUNNING' && configChanged) await stopProgram(n, spec.name, { log });
  if (!(await addProgram(n, spec, { log })) || (state === 'RUNNING' && configChanged)) await startProgram(n, spec.name, { log });
}

async function apply(ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  const t0 = Date.now();
  await Promise.all(
    lbNodes.map(async (n) => {
      const hChanged = writeIfChanged(haproxyCfg(n.name), controllerHaproxyConfig(n));
      const kChanged = writeIfChanged(keepalivedCfg(n.name), keepalivedConfig(n));
      await run(onNode(n.name, ['/usr/sbin/haproxy', '-c', '-q', '-f', '/etc/haproxy/haproxy.cfg']), { log });
      await ensureProgram(n.name, haproxyProgram(n.name), hChanged, log);
      await ensureProgram(n.name, keepalivedProgram(n.name), kChanged, log);
    }),
  );
  // keepalived starts every instance in BACKUP and claims MASTER after ~3-4 s.
  const ms = await waitFor('every VIP held by exactly one node', async () => (await vipGaps(vips)).length === 0, 30_000, 200);
  const holders = await Promise.all(vips.map(async (v) => `${v.address}@${(await vipHolders(v)).join('+')}`));
  ctx.progress(`loadbalancers: VIPs ${holders.join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s; VRRP ${(ms / 1000).toFixed(1)} s)`);
  await waitFor('Galera backends UP in HAProxy', async () => (await Promise.all(lbNodes.map(backendGaps))).flat().length === 0, 30_000, 500);
}

async function status(): Promise<string[]> {
  const lines = await Promise.all(vips.map(async (v) => `vip ${v.name} ${v.address}: held by ${(await vipHolders(v)).join(', ') || 'NOBODY'} (master ${v.master})`));
  for (const n of lbNodes) {
    const rows = await showStat(statsSocket(n.name));
    if (!rows) {
      lines.push(`haproxy ${n.name}: stats socket not answering`);
      continue;
    }
    const servers = rows.filter((r) => !['FRONTEND', 'BACKEND'].includes(r.server));
    lines.push(`haproxy ${n.name}: ${servers.map((r) => `${r.proxy}/${r.server}=${r.status}`).join(' ')}`);
  }
  return lines;
}

export const loadBalancersStep: LabStep = {
  name: 'loadbalancers',
  async check(ctx) {
    const g = await gaps();
    if (g.length) ctx.progress(`loadbalancers: ${g.slice(0, 6).join(', ')}${g.length > 6 ? ` (+${g.length - 6})` : ''}`);
    return g.length === 0;
  },
  apply,
  async teardown() {},
  status,
};
