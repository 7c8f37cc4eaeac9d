// A loopback TCP forwarder we own: accepts on 127.0.0.1:<free port> and pipes
// each connection to a target. kill() closes the listener and cuts every
// piped connection at once, which is what a dead HAProxy/VIP looks like to a
// client.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpForwarder {
  port: number;
  connections(): number;
  kill(): Promise<void>;
}

export async function startTcpForwarder(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // else Nagle + delayed ACK add ~40 ms per hop to small AMQP frames
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => sockets.size / 2,
    kill: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
