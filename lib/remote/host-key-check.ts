// Decides whether a server's host key is the one the environment pins. There
// is no "accept new keys" mode: on a chaos site, a changed key is exactly the
// kind of surprise the harness must stop on.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../env/errors.ts';
import { keyBlobType, sameFingerprint, sha256Fingerprint } from './fingerprint.ts';
import { linesFor, parseKnownHosts } from './known-hosts.ts';

export type HostKeyPin = { knownHostsFile: string } | { fingerprint: string };

export interface HostKeyCheck {
  /**
   * Host key algorithms to ask for, so a server with several keys presents the
   * kind we know (as ssh does); undefined leaves ssh2's default order.
   */
  serverHostKeyAlgorithms?: string[];
  /** null when the key is accepted, else why it is refused. */
  refusal(keyBlob: Buffer): string | null;
}

// Preference order and the signature algorithms each key type can be used with.
const ALGORITHMS_BY_KEY_TYPE: ReadonlyArray<[string, string[]]> = [
  ['ssh-ed25519', ['ssh-ed25519']],
  ['ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
  ['ecdsa-sha2-nistp384', ['ecdsa-sha2-nistp384']],
  ['ecdsa-sha2-nistp521', ['ecdsa-sha2-nistp521']],
  ['ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
];

/** `where` is the field path of the pin (e.g. `ssh.hostKey`), for messages. */
export function hostKeyCheck(pin: HostKeyPin, address: string, port: number, where: string): HostKeyCheck {
  if ('fingerprint' in pin) {
    return {
      refusal: (blob) => (sameFingerprint(sha256Fingerprint(blob), pin.fingerprint) ? null : `it does not match the fingerprint ${pin.fingerprint} pinned in ${where}`),
    };
  }
  const file = pin.knownHostsFile;
  const { name, trusted, revoked } = linesFor(parseKnownHosts(readKnownHosts(file, where)), address, port);
  const knownTypes = new Set(trusted.map((e) => e.keyType));
  const algorithms = ALGORITHMS_BY_KEY_TYPE.filter(([type]) => knownTypes.has(type)).flatMap(([, algos]) => algos);
  return {
    serverHostKeyAlgorithms: algorithms.length > 0 ? algorithms : undefined,
    refusal(blob) {
      const hit = (e: { key: Buffer }) => e.key.equals(blob);
      const revokedAt = revoked.find(hit);
      if (revokedAt) return `it is marked @revoked in ${file}:${revokedAt.line}`;
      if (trusted.some(hit)) return null;
      if (trusted.length === 0) return `${file} (${where}) has no entry for ${name}; add the node's key (e.g. ssh-keyscan -p ${port} ${address}) after checking it out of band`;
      return `it is not among the ${trusted.length} key(s) ${file} lists for ${name} (${[...knownTypes].join(', ')}); the ${keyBlobType(blob)} key may have changed: check the node before updating ${file}`;
    },
  };
}

function readKnownHosts(file: string, where: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${where}: cannot read known_hosts file ${file} (${code}); create it with the nodes' host keys or point ${where} at the right file`);
  }
}
