// SSH host keys of the HAProxy servers, learnt the way careful operators learn
// a new server's key: from its console (cloud-init prints the keys at the end
// of the first boot), read through the authenticated compute API, never from
// the network the key is meant to protect. Unknown keys stay refused by
// lib/remote; this is how a key stops being unknown.
//   knownHostsFile pin: a server created in this run, or one whose address has
//     no entry at all in the file, gets its console keys written there for its
//     address (a recreated server's old entries replaced). An existing server
//     whose console disagrees with its entries is reported as drift, never
//     re-pinned: a key that changed under a running server is the surprise the
//     pin exists to catch.
//   fingerprint pin: the environment file is the operator's; the console is
//     only compared with it (a new server that does not match fails the run).
import { readFileSync } from 'node:fs';
import type { Environment } from '../env/schema.ts';
import type { ComputeClient } from '../openstack/compute.ts';
import { sameFingerprint, sha256Fingerprint } from '../remote/fingerprint.ts';
import { knownHostsName, linesFor, parseKnownHosts, type KnownHostLine } from '../remote/known-hosts.ts';
import { pinKnownHosts } from '../remote/known-hosts-pin.ts';
import { resolveNodeTarget, type NodeTarget } from '../remote/node-target.ts';
import type { EnsureContext } from './change.ts';
import type { ConsoleHostKey } from './console-host-keys.ts';
import { readConsole, waitForConsoleKeys, type ConsoleWait } from './read-console-keys.ts';

/** An HAProxy node's server: `id` absent when there is none (yet). */
export interface ProxyServer {
  node: string;
  id?: string;
  /** Created by this run (in a dry run: would be): its key is new. */
  created: boolean;
}

/** The servers of `nodes`, looked up by name; a server a dry run would create has no id yet. */
export async function proxyServers(nova: ComputeClient, nodes: readonly string[], created: ReadonlySet<string>): Promise<ProxyServer[]> {
  return Promise.all(nodes.map(async (node) => ({ node, created: created.has(node), ...optionalId((await nova.serversNamed(node))[0]?.id) })));
}

export async function pinHostKeys(ctx: EnsureContext, env: Environment, nova: ComputeClient, servers: readonly ProxyServer[], o: ConsoleWait): Promise<void> {
  for (const s of servers) {
    const target = resolveNodeTarget(env, s.node);
    if (!s.id && !(ctx.dryRun && s.created)) {
      ctx.record({ action: 'drift', object: `host key ${s.node}`, detail: `no server named ${s.node} in the cloud: no console to read its SSH host key from` });
      continue;
    }
    if ('knownHostsFile' in target.hostKey) await pinInKnownHosts(ctx, nova, target, target.hostKey.knownHostsFile, s, o);
    else await compareFingerprint(ctx, nova, target, target.hostKey.fingerprint, s, o);
  }
}

async function pinInKnownHosts(ctx: EnsureContext, nova: ComputeClient, t: NodeTarget, file: string, server: ProxyServer, o: ConsoleWait): Promise<void> {
  const object = `known_hosts ${file}`;
  const name = knownHostsName(t.address, t.port);
  const { trusted, revoked } = linesFor(parseKnownHosts(readIfExists(file)), t.address, t.port);
  if (!server.created && trusted.length) {
    await compareWithEntries(ctx, nova, t, file, server.id!, trusted);
    return;
  }
  const replacing = trusted.length ? `, replacing the ${trusted.length} entr${trusted.length === 1 ? 'y' : 'ies'} of the previous server` : '';
  if (ctx.dryRun) {
    const read = server.id ? await readConsole(nova, server.id) : { none: 'the server is not created yet', final: false };
    if ('none' in read && read.final) {
      ctx.record({ action: 'drift', object, detail: `${t.node} ${name}: cannot be pinned from the console: ${read.none}; pin it by hand after checking it out of band` });
      return;
    }
    const what = 'keys' in read ? describeKeys(read.keys) : `the keys on the server's console, once it shows them (${read.none})`;
    ctx.record({ action: 'update', object, detail: `${t.node} ${name} ${what}${replacing}` });
    return;
  }
  const keys = await waitForConsoleKeys(nova, t.node, server.id!, o);
  const revokedKey = keys.find((k) => revoked.some((r) => r.key.equals(k.blob)));
  if (revokedKey) {
    throw new Error(`server ${t.node} prints ${revokedKey.type} ${revokedKey.fingerprint} on its console, which ${file} marks @revoked for ${name}; not pinned: find out why the server has a revoked key`);
  }
  const outcome = pinKnownHosts(file, name, keys);
  ctx.record({ action: 'update', object, detail: `${t.node} ${name} ${describeKeys(keys)}${replacing}${outcome.created ? ' (new file)' : ''}` });
}

/** An existing, pinned server: its console (when it still shows the keys) must agree with the file. */
async function compareWithEntries(ctx: EnsureContext, nova: ComputeClient, t: NodeTarget, file: string, serverId: string, trusted: KnownHostLine[]): Promise<void> {
  const object = `known_hosts ${file}`;
  const name = knownHostsName(t.address, t.port);
  const read = await readConsole(nova, serverId);
  if (!('keys' in read)) {
    ctx.record({ action: 'unchanged', object, detail: `${t.node} ${name} pinned (not compared: ${read.none})` });
    return;
  }
  const pinnedTypes = new Set(trusted.map((e) => e.keyType));
  const comparable = read.keys.filter((k) => pinnedTypes.has(k.type));
  const differing = comparable.filter((k) => !trusted.some((e) => e.key.equals(k.blob)));
  if (comparable.length && !differing.length) {
    ctx.record({ action: 'unchanged', object, detail: `${t.node} ${name} pinned, as on the console (${describeKeys(comparable)})` });
    return;
  }
  ctx.record({
    action: 'drift',
    object,
    detail:
      `${t.node} ${name}: the console of server ${t.node} shows ${describeKeys(read.keys)}, ${file} pins ${trusted.map((e) => `${e.keyType} ${sha256Fingerprint(e.key)}`).join(', ')}; not re-pinned: ` +
      `a server's key changes only when it is rebuilt (or when something stands in between). If ${t.node} was rebuilt, remove its entries (ssh-keygen -R ${name} -f ${file}) and run trove-ha provision again to pin the new key from the console`,
  });
}

async function compareFingerprint(ctx: EnsureContext, nova: ComputeClient, t: NodeTarget, pin: string, server: ProxyServer, o: ConsoleWait): Promise<void> {
  const object = `host key ${t.node}`;
  // Nothing to plan: a fingerprint pin is never written, and the server does not exist yet.
  if (ctx.dryRun && server.created) return;
  let shown: ConsoleHostKey[];
  if (server.created) {
    shown = await waitForConsoleKeys(nova, t.node, server.id!, o);
  } else {
    const read = await readConsole(nova, server.id!);
    if (!('keys' in read)) {
      ctx.record({ action: 'unchanged', object, detail: `pinned ${pin} in ${t.hostKeyWhere} (not compared: ${read.none})` });
      return;
    }
    shown = read.keys;
  }
  const match = shown.find((k) => sameFingerprint(k.fingerprint, pin));
  if (match) {
    ctx.record({ action: 'unchanged', object, detail: `${match.type} ${match.fingerprint} on the console, as ${t.hostKeyWhere} pins` });
    return;
  }
  const differs = `server ${t.node} prints ${describeKeys(shown)} on its console; ${t.hostKeyWhere} pins ${pin}`;
  if (server.created) {
    throw new Error(`${differs}: SSH to it would be refused. A new server has a new key: pin the servers provisioning creates with { knownHostsFile: ... } (written from the console), or set ${t.hostKeyWhere} to the console's fingerprint`);
  }
  ctx.record({ action: 'drift', object, detail: `${differs}; not re-pinned: a server's key changes only when it is rebuilt (or when something stands in between). If ${t.node} was rebuilt, set ${t.hostKeyWhere} to the console's fingerprint` });
}

function describeKeys(keys: readonly ConsoleHostKey[]): string {
  return keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ');
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function optionalId(id: string | undefined): { id?: string } {
  return id ? { id } : {};
}
