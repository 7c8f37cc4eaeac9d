// Toxiproxy 2.x's HTTP API over a collection of proxies:
//   GET  /proxies                     all proxies with their toxics, by name
//   POST /proxies                     create (201; 409 if the name exists)
//   POST /populate                    create or replace a list (201, {"proxies": [...]})
//   GET|POST|DELETE /proxies/{proxy}  show, update (listen, upstream, enabled), delete (204)
//   GET|POST /proxies/{proxy}/toxics  list, create (200)
//   GET|POST|DELETE /proxies/{proxy}/toxics/{toxic}
//   POST /reset                       enable every proxy and remove every toxic (204)
//   GET  /version                     the version, text/plain
// Errors are {"error": message, "status": code} with toxiproxy's messages.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, ErrBadRequestBody, ErrMissingField, ErrProxyAlreadyExists, ErrProxyNotFound } from './errors.ts';
import { Proxy } from './proxy.ts';
import { toxicJson } from './toxics.ts';

/** The toxiproxy release whose API this server speaks. */
export const VERSION = '2.9.0';

interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

function proxyInput(v: unknown, defaults: { listen?: string; upstream?: string; enabled: boolean }): Partial<ProxyInput> & { enabled: boolean } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw ErrBadRequestBody.with('a proxy must be a JSON object');
  const b = v as Record<string, unknown>;
  for (const k of ['name', 'listen', 'upstream'] as const)
    if (b[k] !== undefined && typeof b[k] !== 'string') throw ErrBadRequestBody.with(`json: cannot unmarshal ${typeof b[k]} into field ${k} of type string`);
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw ErrBadRequestBody.with(`json: cannot unmarshal ${typeof b.enabled} into field enabled of type bool`);
  return {
    name: b.name as string | undefined,
    listen: (b.listen as string | undefined) ?? defaults.listen,
    upstream: (b.upstream as string | undefined) ?? defaults.upstream,
    enabled: (b.enabled as boolean | undefined) ?? defaults.enabled,
  };
}

function required(p: Partial<ProxyInput> & { enabled: boolean }): ProxyInput {
  if (!p.name) throw ErrMissingField.with('name');
  if (!p.upstream) throw ErrMissingField.with('upstream');
  // toxiproxy listens on a random port when no address is given; this server keeps that on loopback.
  return { name: p.name, listen: p.listen || '127.0.0.1:0', upstream: p.upstream, enabled: p.enabled };
}

export class ToxiproxyServer {
  readonly proxies = new Map<string, Proxy>();
  private http: Server | undefined;

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** Serve the API on host:port; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const http = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
    this.http = http;
    return (http.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    const http = this.http;
    this.http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  async create(input: ProxyInput): Promise<Proxy> {
    if (this.proxies.has(input.name)) throw ErrProxyAlreadyExists;
    const proxy = new Proxy(input.name, input.listen, input.upstream, this.log);
    if (input.enabled) await proxy.start();
    this.proxies.set(proxy.name, proxy);
    return proxy;
  }

  /** toxiproxy's AddOrReplace: a proxy with the same listen and upstream is kept (with its toxics), a changed one is replaced. */
  async populate(list: unknown): Promise<Proxy[]> {
    if (!Array.isArray(list)) throw ErrBadRequestBody.with('json: cannot unmarshal object into Go value of type []proxy');
    const inputs = list.map((v) => required(proxyInput(v, { enabled: true })));
    const out: Proxy[] = [];
    for (const input of inputs) {
      const existing = this.proxies.get(input.name);
      if (existing && existing.listen === input.listen && existing.upstream === input.upstream) {
        out.push(existing);
        continue;
      }
      if (existing) {
        await existing.stop();
        this.proxies.delete(input.name);
      }
      out.push(await this.create(input));
    }
    return out;
  }

  async reset(): Promise<void> {
    for (const p of this.proxies.values()) {
      await p.start();
      p.resetToxics();
    }
  }

  private proxy(name: string): Proxy {
    const p = this.proxies.get(name);
    if (!p) throw ErrProxyNotFound;
    return p;
  }

  private async route(method: string, parts: string[], body: () => Promise<unknown>): Promise<{ status: number; json?: unknown; text?: string }> {
    const [root, name, sub, toxic, ...rest] = parts;
    const allowed = (methods: string[]) => {
      if (!methods.includes(method)) throw new ApiError('405 method not allowed', 405);
    };
    if (rest.length) return notFound();
    if (root === 'version' && parts.length === 1) {
      allowed(['GET']);
      return { status: 200, text: VERSION };
    }
    if (root === 'reset' && parts.length === 1) {
      allowed(['POST']);
      await this.reset();
      return { status: 204 };
    }
    if (root === 'populate' && parts.length === 1) {
      allowed(['POST']);
      const created = await this.populate(await body());
      return { status: 201, json: { proxies: created.map((p) => p.json()) } };
    }
    if (root !== 'proxies') return notFound();
    if (name === undefined) {
      allowed(['GET', 'POST']);
      if (method === 'GET') return { status: 200, json: Object.fromEntries([...this.proxies].map(([n, p]) => [n, p.json()])) };
      const p = await this.create(required(proxyInput(await body(), { enabled: true })));
      return { status: 201, json: p.json() };
    }
    if (sub === undefined) {
      allowed(['GET', 'POST', 'DELETE']);
      const p = this.proxy(name);
      if (method === 'GET') return { status: 200, json: p.json() };
      if (method === 'DELETE') {
        await p.stop();
        this.proxies.delete(name);
        return { status: 204 };
      }
      const input = proxyInput(await body(), { listen: p.listen, upstream: p.upstream, enabled: p.enabled });
      await p.update({ listen: input.listen!, upstream: input.upstream!, enabled: input.enabled });
      return { status: 200, json: p.json() };
    }
    if (sub !== 'toxics') return notFound();
    const p = this.proxy(name);
    if (toxic === undefined) {
      allowed(['GET', 'POST']);
      if (method === 'GET') return { status: 200, json: p.toxics.map(toxicJson) };
      return { status: 200, json: toxicJson(p.addToxic(await body())) };
    }
    allowed(['GET', 'POST', 'DELETE']);
    if (method === 'GET') return { status: 200, json: toxicJson(p.toxic(toxic)) };
    if (method === 'DELETE') {
      p.removeToxic(toxic);
      return { status: 204 };
    }
    return { status: 200, json: toxicJson(p.updateToxic(toxic, await body())) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://toxiproxy').pathname;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const body = async (): Promise<unknown> => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        return JSON.parse(text);
      } catch (e) {
        throw ErrBadRequestBody.with(text.trim() === '' ? 'EOF' : (e as Error).message);
      }
    };
    try {
      const out = await this.route(method, parts, body);
      if (out.status === 404 && out.text !== undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(out.text);
      } else if (out.text !== undefined) {
        res.writeHead(out.status, { 'Content-Type': 'text/plain' }).end(out.text);
      } else if (out.json !== undefined) {
        res.writeHead(out.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(out.json));
      } else {
        res.writeHead(out.status).end();
      }
      if (method !== 'GET') this.log(`${method} ${path} -> ${out.status}`);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError((e as Error).message, 500);
      res.writeHead(err.status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(err.body())}\n`);
      this.log(`${method} ${path} -> ${err.status} ${err.message}`);
    }
  }
}

function notFound(): { status: number; text: string } {
  return { status: 404, text: '404 page not found\n' };
}
