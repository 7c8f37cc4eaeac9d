// One node:http server per API (compute, network, image, volume), as real
// OpenStack has one endpoint per service: request ids, token check, compute
// microversions, JSON bodies, error rendering, one log line per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, renderError, unauthorizedBody, type ApiKind } from './errors.ts';
import type { Identity, TokenValidator } from './auth.ts';
import { parseVersion, requestedVersion, versionHeaders, type Microversion } from './microversion.ts';
import { requestId as newRequestId } from './ids.ts';
import type { RequestLog } from './request-log.ts';
import type { Reply, RequestContext, Router } from './router.ts';

export interface ApiServerOptions {
  kind: ApiKind;
  host: string;
  port: number;
  /** http://host:port as clients reach this API (links, version documents). */
  baseUrl: string;
  router: Router;
  validator: TokenValidator;
  log: RequestLog;
  /** Identity URL for WWW-Authenticate on 401. */
  authUrl: string;
  microversion?: { service: 'compute' | 'volume'; min: string; max: string; legacyHeader?: string };
  /** Map a request path to a routed one (e.g. drop a legacy project id segment). */
  rewrite?: (path: string) => string;
  /** Largest JSON body accepted. */
  maxBodyBytes?: number;
}

export interface ApiServer {
  kind: ApiKind;
  port: number;
  close(): Promise<void>;
}

const ANONYMOUS: Identity = { token: '', userId: '', userName: '', projectId: '', projectName: '', roles: [], isAdmin: false, expiresAt: 0 };

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void handle(o, req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    kind: o.kind,
    port: o.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function handle(o: ApiServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const reqId = newRequestId();
  const url = new URL(req.url ?? '/', 'http://x');
  const method = (req.method ?? 'GET').toUpperCase();
  const idHeaders: Record<string, string> = { 'x-openstack-request-id': reqId };
  if (o.kind === 'compute') idHeaders['x-compute-request-id'] = reqId;
  let status = 500;
  try {
    const trimmed = url.pathname.replace(/\/+$/, '') || '/';
    const path = o.rewrite ? o.rewrite(trimmed) : trimmed;
    const match = o.router.match(method, path);
    if (match.kind === 'not-found') throw new ApiError(404, 'The resource could not be found.', 'HTTPNotFound');
    if (match.kind === 'method-not-allowed') {
      throw new ApiError(405, 'The method is not allowed for the requested URL.', 'HTTPMethodNotAllowed', { allow: match.allowed.join(', ') });
    }
    let identity = ANONYMOUS;
    if (!match.options.public) {
      const token = header(req, 'x-auth-token');
      const found = token ? await o.validator.validate(token) : undefined;
      if (!found) {
        drain(req);
        status = 401;
        res.writeHead(401, { ...idHeaders, 'content-type': 'application/json', 'www-authenticate': `Keystone uri="${o.authUrl}"` });
        res.end(unauthorizedBody());
        return;
      }
      identity = found;
    }
    let microversion: Microversion = parseVersion('1.0')!;
    if (o.microversion) {
      microversion = requestedVersion(req.headers, o.microversion.service, o.microversion, o.microversion.legacyHeader);
      Object.assign(idHeaders, versionHeaders(o.microversion.service, microversion));
    }
    const body = match.options.stream ? undefined : await readJson(req, o.maxBodyBytes ?? 16 * 1024 * 1024);
    const ctx: RequestContext = {
      kind: o.kind,
      method,
      path,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      req,
      identity,
      requestId: reqId,
      microversion,
      baseUrl: o.baseUrl,
    };
    const reply = await match.handler(ctx);
    status = reply.status;
    send(res, method, reply, idHeaders);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(500, 'An unexpected error occurred.', 'HTTPInternalServerError');
    if (!(e instanceof ApiError)) o.log.note(`${reqId} unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    const rendered = renderError(o.kind, err, header(req, 'accept') ?? 'application/json');
    status = rendered.status;
    drain(req);
    if (!res.headersSent) {
      res.writeHead(rendered.status, { ...idHeaders, ...err.headers, 'content-type': rendered.contentType, 'content-length': String(Buffer.byteLength(rendered.body)) });
      res.end(method === 'HEAD' ? undefined : rendered.body);
    } else {
      res.destroy();
    }
  } finally {
    o.log.request(o.kind, method, url.pathname + url.search, status, performance.now() - started, reqId);
  }
}

function send(res: ServerResponse, method: string, reply: Reply, idHeaders: Record<string, string>): void {
  let payload: Buffer | undefined;
  let contentType = reply.contentType;
  if (reply.raw !== undefined) payload = Buffer.isBuffer(reply.raw) ? reply.raw : Buffer.from(reply.raw);
  else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body));
    contentType ??= 'application/json';
  }
  const headers: Record<string, string> = { ...idHeaders, ...reply.headers };
  if (contentType) headers['content-type'] = contentType;
  headers['content-length'] = String(payload?.length ?? 0);
  if (reply.status === 204 || reply.status === 304) delete headers['content-length'];
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' || reply.status === 204 ? undefined : payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new ApiError(413, 'Request is too large.', 'HTTPRequestEntityTooLarge');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'Malformed request body', 'HTTPBadRequest');
  }
}

function drain(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}
