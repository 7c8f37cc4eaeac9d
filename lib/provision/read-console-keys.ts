// Reading a server's SSH host keys off its console through the compute API:
// once (an existing server: its keys were printed long ago, or have scrolled
// out of what Nova keeps) or polled, bounded, until a server that has just
// become ACTIVE finishes its first boot and cloud-init prints them.
import type { ComputeClient } from '../openstack/compute.ts';
import { isHttpError } from '../openstack/http-error.ts';
import { waitUntil } from '../harness/wait.ts';
import { hostKeysFromConsole, type ConsoleHostKey } from './console-host-keys.ts';

export type ConsoleRead = { keys: ConsoleHostKey[] } | { none: string; final: boolean };

export interface ConsoleWait {
  /** How long a new server may take to print its keys on its console. */
  waitMs: number;
  pollMs?: number;
}

/** Polls the console of a server that just booted until cloud-init has printed its keys. */
export async function waitForConsoleKeys(nova: ComputeClient, node: string, serverId: string, o: ConsoleWait): Promise<ConsoleHostKey[]> {
  let keys: ConsoleHostKey[] | undefined;
  let fatal: string | undefined;
  await waitUntil(
    `the SSH host keys of server ${node} (${serverId}) on its console (cloud-init's -----BEGIN SSH HOST KEY KEYS----- block, printed at the end of its first boot)`,
    async () => {
      const read = await readConsole(nova, serverId);
      if ('keys' in read) keys = read.keys;
      else if (read.final) fatal = read.none;
      return { done: keys !== undefined || fatal !== undefined, ...('none' in read ? { seen: read.none } : {}) };
    },
    { timeoutMs: o.waitMs, intervalMs: o.pollMs ?? 2000 },
  );
  if (fatal !== undefined) {
    throw new Error(`cannot pin the SSH host key of server ${node} (${serverId}): ${fatal}; pin it by hand after checking it out of band (e.g. from the server's console in the dashboard)`);
  }
  return keys!;
}

/** What the console shows now; `final` when asking again cannot help. */
export async function readConsole(nova: ComputeClient, serverId: string): Promise<ConsoleRead> {
  let output: string;
  try {
    output = await nova.consoleOutput(serverId);
  } catch (e) {
    // 501: the compute driver keeps no console log at all; 400: the API refuses the request. Waiting changes neither.
    if (isHttpError(e, 501)) return { none: 'the compute API has no console log for it (HTTP 501)', final: true };
    if (isHttpError(e, 400)) return { none: `the compute API refuses os-getConsoleOutput (${(e as Error).message.split('\n')[0]})`, final: true };
    // 404 is also Nova's "Guest does not have a console available" for a server that exists.
    if (isHttpError(e, 404) && !(await nova.server(serverId))) return { none: 'the server is gone (HTTP 404)', final: true };
    return { none: `no console output yet (${(e as Error).message.split('\n')[0]})`, final: false };
  }
  const found = hostKeysFromConsole(output);
  if (!found) return { none: `no complete host key block on the console yet (${output.length} characters so far)`, final: false };
  if (!found.keys.length) return { none: `the console's host key block holds no usable key (${found.unusable.join('; ')})`, final: true };
  return { keys: found.keys };
}
