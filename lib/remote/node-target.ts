// Where and how to reach one node: its own ssh settings over the environment's
// defaults, field by field, with the field path of each setting kept for messages.
import type { Environment, SecretRef } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import type { HostKeyPin } from './host-key-check.ts';

export interface NodeTarget {
  node: string;
  address: string;
  port: number;
  user: string;
  privateKey: SecretRef;
  /** Field path of the privateKey reference, e.g. `ssh.privateKey`. */
  privateKeyWhere: string;
  hostKey: HostKeyPin;
  hostKeyWhere: string;
  jumpHost?: string;
}

export function resolveNodeTarget(env: Environment, node: string): NodeTarget {
  const def = env.nodes[node];
  if (!def) {
    throw new ConfigError(`no node "${node}" in the environment's nodes (have: ${Object.keys(env.nodes).join(', ') || 'none'})`);
  }
  const own = def.ssh;
  const pick = <K extends 'user' | 'privateKey' | 'hostKey'>(field: K) =>
    own[field] !== undefined
      ? { value: own[field], where: `nodes.${node}.ssh.${field}` }
      : { value: env.ssh[field], where: `ssh.${field}` };
  const user = pick('user');
  const privateKey = pick('privateKey');
  const hostKey = pick('hostKey');
  const missing = (field: string, what: string) =>
    new ConfigError(`node ${node}: no ssh ${field}; set ssh.${field} (for all nodes) or nodes.${node}.ssh.${field} to ${what}`);
  if (!user.value) throw missing('user', 'the login name');
  // No agent or password fallback: a run must not depend on whoever happens to be logged in.
  if (!privateKey.value) throw missing('privateKey', 'a secret reference to the private key, e.g. { file: /path/id_ed25519 }');
  if (!hostKey.value) throw missing('hostKey', '{ knownHostsFile: /path } or { fingerprint: "SHA256:..." }; unknown host keys are always refused');
  return {
    node,
    address: def.address,
    port: own.port ?? env.ssh.port ?? 22,
    user: user.value,
    privateKey: privateKey.value,
    privateKeyWhere: privateKey.where,
    hostKey: hostKey.value,
    hostKeyWhere: hostKey.where,
    // A default jump host applies to every node but itself (the bastion is reached directly).
    jumpHost: own.jumpHost ?? (env.ssh.jumpHost !== node ? env.ssh.jumpHost : undefined),
  };
}
