// Opens one authenticated SSH connection to a node, directly or over a stream
// tunnelled through a jump host, within a deadline, with the host key pinned.
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { ConfigError } from '../env/errors.ts';
import { resolveSecret } from '../env/secrets.ts';
import { HostKeyRefusedError, RemoteConnectError } from './errors.ts';
import { sha256Fingerprint } from './fingerprint.ts';
import { hostKeyCheck } from './host-key-check.ts';
import type { NodeTarget } from './node-target.ts';

export interface OpenOptions {
  /** Deadline for TCP connect, handshake and authentication together. */
  timeoutMs: number;
  /** A stream already connected to the node's SSH port (a jump host tunnel). */
  sock?: Duplex;
  keepaliveIntervalMs: number;
  /** Called once when the connection ends, for whatever reason, after it was ready. */
  onClose: () => void;
}

export function openConnection(target: NodeTarget, options: OpenOptions): Promise<Client> {
  const { node, address, port } = target;
  // Secrets and pins are read here, per connection, so a rotated key file is picked up on reconnect.
  const privateKey = resolveSecret(target.privateKey, target.privateKeyWhere);
  const check = hostKeyCheck(target.hostKey, address, port, target.hostKeyWhere);
  const client = new Client();
  let refused: HostKeyRefusedError | undefined;
  const config: ConnectConfig = {
    host: address,
    port,
    username: target.user,
    privateKey,
    sock: options.sock,
    // Our own deadline below covers the tunnel too; ssh2's would start later and fire separately.
    readyTimeout: 0,
    keepaliveInterval: options.keepaliveIntervalMs,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      const reason = check.refusal(key);
      if (reason !== null) refused = new HostKeyRefusedError(node, address, port, sha256Fingerprint(key), reason);
      return reason === null;
    },
  };
  if (check.serverHostKeyAlgorithms) config.algorithms = { serverHostKey: check.serverHostKeyAlgorithms as never };

  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      reject(refused ?? error);
    };
    const timer = setTimeout(
      () => fail(new RemoteConnectError(`node ${node} (${address}:${port}): no SSH session within ${options.timeoutMs} ms (timeouts.sshConnectMs)${options.sock ? ' through the jump host' : ''}`, node)),
      options.timeoutMs,
    );
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.once('close', options.onClose);
      resolve(client);
    });
    client.on('error', (error: Error & { level?: string }) => {
      // After ready, errors surface on the channels that are running; the pool learns of it from 'close'.
      fail(new RemoteConnectError(`node ${node} (${address}:${port}) as ${target.user}: ${describe(error)}`, node));
    });
    client.once('close', () => fail(new RemoteConnectError(`node ${node} (${address}:${port}): connection closed during the SSH handshake`, node)));
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 parses the private key synchronously; its messages never contain key material.
      fail(new ConfigError(`${target.privateKeyWhere}: the private key for node ${node} cannot be used: ${(error as Error).message} (passphrase-protected keys are not supported)`));
    }
  });
}

function describe(error: Error & { level?: string }): string {
  if (error.level === 'client-authentication') return 'public key authentication failed: is the public key in the node\'s authorized_keys for this user?';
  return error.message;
}
