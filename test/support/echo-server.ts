// A loopback TCP echo server, and a timed request/reply over a fresh connection:
// the real traffic the toxiproxy tests measure.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Exchange {
  /** ms from connect to the whole reply; undefined when none came within the bound. */
  ms?: number;
  received: number;
  /** How the connection ended: 'open' when still open at the bound. */
  end: 'open' | 'closed' | string;
  /** ms from the start until the connection ended. */
  endMs?: number;
}

/**
 * Connect to 127.0.0.1:port, send `bytes` bytes and wait up to `boundMs` for
 * them to come back (and, with untilEnd, for the connection to end).
 */
export function exchange(port: number, bytes = 16, boundMs = 2000, opts: { endAfterSend?: boolean; untilEnd?: boolean } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const out: Exchange = { received: 0, end: 'open' };
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, boundMs);
    s.on('connect', () => {
      s.write(Buffer.alloc(bytes, 0x61));
      if (opts.endAfterSend) s.end();
    });
    s.on('data', (d) => {
      out.received += d.length;
      if (out.received >= bytes && out.ms === undefined) {
        out.ms = performance.now() - t0;
        if (!opts.untilEnd) finish();
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      out.end = e.code ?? e.message;
      out.endMs = performance.now() - t0;
      finish();
    });
    s.on('close', () => {
      if (out.end === 'open') {
        out.end = 'closed';
        out.endMs = performance.now() - t0;
      }
      finish();
    });
  });
}
