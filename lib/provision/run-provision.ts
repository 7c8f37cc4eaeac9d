// One `trove-ha provision` run: the OpenStack objects, then the HAProxy nodes
// (their SSH host keys pinned from their consoles, their configs pushed), then
// the lint of the result. Each part is optional; a dry run reads everything
// and changes nothing.
import { describeFindings, failures, type Finding } from '../checks/finding.ts';
import type { Environment } from '../env/schema.ts';
import type { KeystoneSession } from '../openstack/keystone.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { waitUntil } from '../harness/wait.ts';
import type { ServiceControl } from '../topology/service-control.ts';
import { changeContext, countChanges, isPlanned, type Change, type ChangeAction } from './change.ts';
import { keepalivedOverSsh, lintSite } from './lint-site.ts';
import { cloudClients, provisionCloud } from './provision-cloud.ts';
import { provisionOf } from './desired.ts';
import { ensureCloudinit, ensureDatastore } from './ensure-trove.ts';
import { DatabaseClient } from '../openstack/database.ts';
import { pinHostKeys, proxyServers } from './pin-host-keys.ts';
import { proxyNodes, provisionNodes } from './push-configs.ts';

export interface ProvisionOptions {
  dryRun: boolean;
  cloud: boolean;
  nodes: boolean;
  lint: boolean;
  /** The cloud-init script and the datastore (when provision.trove is set). */
  trove: boolean;
  onChange?: (c: Change) => void;
  onPhase?: (line: string) => void;
}

export interface ProvisionResult {
  changes: Change[];
  counts: Record<ChangeAction, number>;
  findings: Finding[];
  ms: { cloud: number; nodes: number; trove: number; lint: number };
}

export async function runProvision(env: Environment, admin: KeystoneSession, remote: RemoteExecutor, control: ServiceControl, o: ProvisionOptions): Promise<ProvisionResult> {
  const ctx = changeContext(o.dryRun, o.onChange);
  const ms = { cloud: 0, nodes: 0, trove: 0, lint: 0 };
  const clients = cloudClients(admin);
  let t = Date.now();
  if (o.cloud) {
    o.onPhase?.('OpenStack: networks, subnets, security group, ports, servers');
    await provisionCloud(ctx, env, clients);
    ms.cloud = Date.now() - t;
  }
  // Servers this run created (a dry run: would create): new keys to pin, and in a dry run no node to read from yet.
  const createdServers = new Set(ctx.changes.filter((c) => c.action === 'create' && c.object.startsWith('server ')).map((c) => c.object.slice('server '.length)));
  if (o.nodes) {
    t = Date.now();
    // Before any SSH: a new server's key is unknown until read from its console, and SSH refuses unknown keys.
    o.onPhase?.('HAProxy nodes: SSH host keys from the server consoles');
    const p = provisionOf(env);
    await pinHostKeys(ctx, env, clients.nova, await proxyServers(clients.nova, proxyNodes(env), createdServers), { waitMs: p.consoleHostKeysMs });
    o.onPhase?.('HAProxy nodes: haproxy.cfg and keepalived.conf over SSH');
    if (o.dryRun && createdServers.size) {
      for (const n of createdServers) ctx.record({ action: 'create', object: `haproxy and keepalived config ${n}`, detail: 'once the server boots' });
    } else {
      // The host key check re-reads the known_hosts file at every connection attempt: the pin just written counts.
      for (const n of createdServers) await waitForSsh(remote, n, env.provision?.serverActiveMs ?? 600_000);
      await provisionNodes(ctx, env, remote, control);
    }
    ms.nodes = Date.now() - t;
  }
  if (o.trove && provisionOf(env).trove) {
    t = Date.now();
    o.onPhase?.('Trove: cloud-init on the controllers, datastore and version (trove-manage)');
    await ensureCloudinit(ctx, env, remote);
    await ensureDatastore(ctx, env, new DatabaseClient(admin), clients.glance, remote);
    ms.trove = Date.now() - t;
  }
  let findings: Finding[] = [];
  if (o.lint && !(o.dryRun && createdServers.size)) {
    if (!o.nodes) o.onPhase?.('lint without the nodes: keepalived VRRP checks skipped');
    t = Date.now();
    o.onPhase?.('lint');
    // Without the nodes part the lint stays off the nodes too (no SSH): the VRRP checks are skipped.
    findings = await lintSite(env, { neutron: clients.neutron, nova: clients.nova, ...(o.nodes ? { readKeepalived: keepalivedOverSsh(env, remote) } : {}) });
    ms.lint = Date.now() - t;
  }
  return { changes: ctx.changes, counts: countChanges(ctx.changes), findings, ms };
}

/** A freshly booted VM answers SSH some time after Nova says ACTIVE. */
async function waitForSsh(remote: RemoteExecutor, node: string, timeoutMs: number): Promise<void> {
  await waitUntil(
    `SSH on new HAProxy node ${node}`,
    async () => {
      try {
        await remote.exec(node, 'true', { timeoutMs: 10_000 });
        return { done: true };
      } catch (e) {
        return { done: false, seen: e instanceof Error ? e.message : String(e) };
      }
    },
    { timeoutMs, intervalMs: 2000 },
  );
}

export function summary(r: ProvisionResult, dryRun: boolean): string {
  const c = r.counts;
  const lintLine = r.findings.length ? `; lint: ${failures(r.findings).length} of ${r.findings.length} findings failing` : '';
  return `${dryRun ? 'plan' : 'provision'}: ${c.create} ${dryRun ? 'to create' : 'created'}, ${c.update} ${dryRun ? 'to update' : 'updated'}, ${c.unchanged} unchanged, ${c.drift} drift${lintLine} (OpenStack ${r.ms.cloud} ms, nodes ${r.ms.nodes} ms, Trove ${r.ms.trove} ms, lint ${r.ms.lint} ms)`;
}

export { describeFindings, failures, isPlanned, proxyNodes };
