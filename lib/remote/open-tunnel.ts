// A TCP stream to a node's SSH port opened by a jump host (like ssh -J): the
// jump host's sshd connects onward, so the node only needs to be reachable from it.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { RemoteConnectError } from './errors.ts';
import type { NodeTarget } from './node-target.ts';

export function openTunnel(jump: Client, jumpNode: string, target: NodeTarget, timeoutMs: number): Promise<Duplex> {
  const { node, address, port } = target;
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new RemoteConnectError(`node ${node}: jump host ${jumpNode} did not open a tunnel to ${address}:${port} within ${timeoutMs} ms (timeouts.sshConnectMs)`, node));
    }, timeoutMs);
    // The originator address is informational for the jump host's sshd; ssh -J sends the same.
    jump.forwardOut('127.0.0.1', 0, address, port, (error, stream) => {
      if (settled) {
        stream?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (error) reject(new RemoteConnectError(`node ${node}: jump host ${jumpNode} could not connect to ${address}:${port}: ${error.message} (is AllowTcpForwarding on there, and ${address} reachable from it?)`, node));
      else resolve(stream);
    });
  });
}
