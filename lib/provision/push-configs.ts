// The node half of `trove-ha provision`: haproxy.cfg and keepalived.conf of
// every trove-mgmt HAProxy node, rendered from the environment and pushed over
// SSH. A file that already has the rendered content is left alone; a new one is
// written beside the old, checked there by the real tool (haproxy -c,
// keepalived -t), moved into place and put into effect (node-services.ts:
// reloaded when its service runs, started when it does not, as on a fresh VM).
// A file already in place whose service is not running (a rebooted node that
// nothing started) gets its service started.
import { dirname } from 'node:path';
import type { Environment } from '../env/schema.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import type { ServiceControl } from '../topology/service-control.ts';
import type { EnsureContext } from './change.ts';
import { provisionOf } from './desired.ts';
import { fileService, type FileService } from './node-services.ts';
import { renderHaproxyConfig } from './render-haproxy.ts';
import { renderKeepalivedConfig } from './render-keepalived.ts';

export interface NodeFile {
  node: string;
  /** "haproxy" or "keepalived": names the object in the report. */
  kind: string;
  path: string;
  content: string;
  /** Command that takes the file path as its last word and exits non-zero on a bad config. */
  checkCommand: string;
  /** Puts a new file into effect; may say how ("restarted", "started"), for the report. */
  reload: () => Promise<string | void>;
  /** The service that runs with this file, if one must: started when found stopped, even with the file unchanged. */
  service?: FileService;
}

export class ConfigCheckError extends Error {
  constructor(
    readonly file: NodeFile,
    output: string,
  ) {
    super(`${file.kind} config for ${file.node} refused by \`${file.checkCommand}\` on the node; ${file.path} left unchanged:\n${output.trim()}`);
    this.name = 'ConfigCheckError';
  }
}

/** Reads the file on the node, and only if it differs: write, check, move into place, reload. */
export async function ensureNodeFile(ctx: EnsureContext, remote: RemoteExecutor, f: NodeFile): Promise<void> {
  const what = `${f.kind} config ${f.node}:${f.path}`;
  const current = await remote.exec(f.node, `cat ${shellQuote(f.path)}`, { allowFail: true });
  const exists = current.code === 0;
  if (exists && current.stdout === f.content) {
    ctx.record({ action: 'unchanged', object: what });
    if (f.service) await ensureServiceRunning(ctx, f.service);
    return;
  }
  const detail = exists ? `${changedLines(current.stdout, f.content)} lines differ` : 'new file';
  const action = exists ? 'update' : 'create';
  if (ctx.dryRun) {
    ctx.record({ action, object: what, detail });
    return;
  }
  const staged = `${f.path}.trove-ha-new`;
  await remote.exec(f.node, `mkdir -p ${shellQuote(dirname(f.path))} && cat > ${shellQuote(staged)}`, { input: f.content });
  const check = await remote.exec(f.node, `${f.checkCommand} ${shellQuote(staged)}`, { allowFail: true });
  if (check.code !== 0) {
    await remote.exec(f.node, `rm -f ${shellQuote(staged)}`, { allowFail: true });
    throw new ConfigCheckError(f, `${check.stdout}${check.stderr}`);
  }
  await remote.exec(f.node, `mv -f ${shellQuote(staged)} ${shellQuote(f.path)}`);
  const how = await f.reload();
  ctx.record({ action, object: what, detail: `${detail}; checked, installed, ${how || 'reloaded'}` });
}

/** The file is in place; its service must also run (nothing else starts it on a node provisioning owns). */
async function ensureServiceRunning(ctx: EnsureContext, service: FileService): Promise<void> {
  const status = await service.status();
  if (status.running) {
    ctx.record({ action: 'unchanged', object: service.object, detail: status.state });
    return;
  }
  if (!ctx.dryRun) await service.start();
  ctx.record({ action: 'update', object: service.object, detail: `${ctx.dryRun ? 'start' : 'started'} (was ${status.state})` });
}

/** HAProxy binds the VIPs of its cluster on every member, also where keepalived holds none of them. */
export async function ensureNonlocalBind(ctx: EnsureContext, remote: RemoteExecutor, node: string): Promise<void> {
  const what = `sysctl ${node}:net.ipv4.ip_nonlocal_bind`;
  const r = await remote.exec(node, 'sysctl -n net.ipv4.ip_nonlocal_bind');
  if (r.stdout.trim() === '1') {
    ctx.record({ action: 'unchanged', object: what });
    return;
  }
  if (!ctx.dryRun) await remote.exec(node, 'sysctl -qw net.ipv4.ip_nonlocal_bind=1');
  ctx.record({ action: 'update', object: what, detail: `${r.stdout.trim()} -> 1 (runtime only: persist it in the image or /etc/sysctl.d)` });
}

export function proxyNodes(env: Environment): string[] {
  return provisionOf(env).clusters.flatMap((c) => c.members.map((m) => m.node));
}

export function nodeFiles(env: Environment, control: ServiceControl, node: string): NodeFile[] {
  const p = provisionOf(env);
  const haproxyService = env.haproxy?.service;
  const keepalivedService = env.vips[p.managementNetworks[0]!.vip]!.keepalived.service;
  const missing = (what: string) => async () => {
    throw new Error(`${what} on ${node} was changed but cannot be reloaded: no service for it in the environment (haproxy.service / vips.*.keepalived.service)`);
  };
  const haproxy = haproxyService ? fileService(control, haproxyService, node, 'restart') : undefined;
  // HUP, not a restart: keepalived re-reads its config and keeps the VIP it holds.
  const keepalived = fileService(control, keepalivedService, node, 'hup');
  return [
    {
      node,
      kind: 'haproxy',
      path: p.haproxy.configPath,
      content: renderHaproxyConfig(env, node),
      checkCommand: p.haproxy.checkCommand,
      reload: haproxy ? () => haproxy.apply() : missing('haproxy.cfg'),
      ...(haproxy ? { service: haproxy } : {}),
    },
    {
      node,
      kind: 'keepalived',
      path: p.keepalived.configPath,
      content: renderKeepalivedConfig(env, node),
      checkCommand: p.keepalived.checkCommand,
      reload: () => keepalived.apply(),
      service: keepalived,
    },
  ];
}

export async function provisionNodes(ctx: EnsureContext, env: Environment, remote: RemoteExecutor, control: ServiceControl): Promise<void> {
  await Promise.all(
    proxyNodes(env).map(async (node) => {
      if (provisionOf(env).haproxy.nonlocalBind) await ensureNonlocalBind(ctx, remote, node);
      for (const f of nodeFiles(env, control, node)) await ensureNodeFile(ctx, remote, f);
    }),
  );
}

function changedLines(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let n = 0;
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) n++;
  return n;
}
