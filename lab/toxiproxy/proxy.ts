// A toxiproxy proxy: a TCP listener on `listen` that connects each client to
// `upstream` and runs both directions through the proxy's toxics. Disabled
// (toxiproxy's "down"): the listener is closed, so new connections are
// refused, and every open connection is closed.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ApiError, ErrToxicAlreadyExists, ErrToxicNotFound } from './errors.ts';
import { Link } from './link.ts';
import { newToxic, toxicJson, updatedToxic, type Toxic, type ToxicJson } from './toxics.ts';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

/** "host:port", "[v6]:port" or ":port" (all addresses, as Go's net.Listen). */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new ApiError(`address ${address}: missing port in address`, 500);
  const host = m[1] ?? m[2] ?? '';
  return { host, port: Number(m[3]) };
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

class Connection {
  readonly links: Link[];
  private ended = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    toxics: () => Toxic[],
    private readonly done: (c: Connection) => void,
  ) {
    const ends = { close: () => this.close(), reset: () => this.reset() };
    this.links = [new Link('upstream', client, upstream, toxics, ends), new Link('downstream', upstream, client, toxics, ends)];
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // small AMQP frames: no Nagle delay added on top of the toxics
      s.on('error', () => this.close());
      // A clean close of one side lets the other direction drain (and slow_close
      // hold its FIN); the connection is done when both sockets are closed.
      s.on('close', (hadError) => {
        if (hadError) this.close();
        else if (client.destroyed && upstream.destroyed) this.close();
      });
    }
    for (const l of this.links) l.start();
  }

  close(): void {
    this.end((s) => s.destroy());
  }

  reset(): void {
    this.end((s) => (s.destroyed ? undefined : s.resetAndDestroy()));
  }

  private end(how: (s: Socket) => void): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.links) l.stop();
    how(this.client);
    how(this.upstream);
    this.done(this);
  }
}

export class Proxy {
  enabled = false;
  toxics: Toxic[] = [];
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly log: (line: string) => void,
  ) {}

  json(): ProxyJson {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics.map(toxicJson) };
  }

  async start(): Promise<void> {
    if (this.enabled) return;
    const { host, port } = splitHostPort(this.listen);
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new ApiError(`listen tcp ${this.listen}: ${e.code === 'EADDRINUSE' ? 'bind: address already in use' : e.message}`, 500)));
      server.listen({ host: host || undefined, port }, () => resolve());
    });
    const bound = server.address() as { address: string; port: number };
    // Like toxiproxy, report the address actually bound (port 0 → the port the kernel chose).
    this.listen = joinHostPort(host || bound.address, bound.port);
    this.server = server;
    this.enabled = true;
    this.log(`proxy ${this.name} listening on ${this.listen} -> ${this.upstream}`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.enabled = false;
    for (const c of [...this.connections]) c.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.log(`proxy ${this.name} stopped`);
  }

  /** POST /proxies/{proxy}: a new listen or upstream restarts the proxy; `enabled` starts or stops it. */
  async update(input: { listen: string; upstream: string; enabled: boolean }): Promise<void> {
    const moved = input.listen !== this.listen || input.upstream !== this.upstream;
    if (moved && this.enabled) await this.stop();
    this.listen = input.listen;
    this.upstream = input.upstream;
    if (input.enabled) await this.start();
    else if (this.enabled) await this.stop();
  }

  toxic(name: string): Toxic {
    const t = this.toxics.find((x) => x.name === name);
    if (!t) throw ErrToxicNotFound;
    return t;
  }

  addToxic(body: unknown): Toxic {
    const t = newToxic(body);
    if (this.toxics.some((x) => x.name === t.name)) throw ErrToxicAlreadyExists;
    this.toxics = [...this.toxics, t];
    this.toxicsChanged();
    this.log(`proxy ${this.name}: toxic ${t.name} added (${t.type} ${t.stream} ${JSON.stringify(t.attributes)} toxicity ${t.toxicity})`);
    return t;
  }

  updateToxic(name: string, body: unknown): Toxic {
    const t = updatedToxic(this.toxic(name), body);
    this.toxics = this.toxics.map((x) => (x.name === name ? t : x));
    this.toxicsChanged();
    this.log(`proxy ${this.name}: toxic ${name} updated (${JSON.stringify(t.attributes)} toxicity ${t.toxicity})`);
    return t;
  }

  removeToxic(name: string): void {
    this.toxic(name);
    this.toxics = this.toxics.filter((x) => x.name !== name);
    this.toxicsChanged();
    this.log(`proxy ${this.name}: toxic ${name} removed`);
  }

  resetToxics(): void {
    if (!this.toxics.length) return;
    this.toxics = [];
    this.toxicsChanged();
    this.log(`proxy ${this.name}: all toxics removed`);
  }

  private toxicsChanged(): void {
    for (const c of this.connections) for (const l of c.links) l.toxicsChanged();
  }

  private accept(client: Socket): void {
    const { host, port } = splitHostPort(this.upstream);
    const upstream = connect({ host: host || 'localhost', port, allowHalfOpen: true });
    client.pause();
    // Until the upstream answers, a client error or close only drops the dial.
    const early = () => upstream.destroy();
    client.once('error', early);
    client.once('close', early);
    upstream.once('error', (e) => {
      this.log(`proxy ${this.name}: upstream ${this.upstream} unreachable: ${e.message}`);
      client.destroy();
    });
    upstream.once('connect', () => {
      client.off('error', early);
      client.off('close', early);
      if (client.destroyed || !this.enabled) {
        upstream.destroy();
        client.destroy();
        return;
      }
      const c = new Connection(client, upstream, () => this.toxics, (x) => this.connections.delete(x));
      this.connections.add(c);
      client.resume();
    });
  }
}
