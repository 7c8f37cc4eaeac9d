// A tiny method + path router: patterns like /servers/:id/action; a path that
// matches with another method gives 405, as the real services do.
import type { IncomingMessage } from 'node:http';
import type { ApiKind } from './errors.ts';
import type { Identity } from './auth.ts';
import type { Microversion } from './microversion.ts';

export interface RequestContext {
  kind: ApiKind;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body (undefined when empty or when the route streams). */
  body: unknown;
  /** The raw request, for routes that stream their body (image upload). */
  req: IncomingMessage;
  identity: Identity;
  requestId: string;
  /** Compute / volume microversion of this request. */
  microversion: Microversion;
  /** http://host:port of this API as clients reach it, for links. */
  baseUrl: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A non-JSON body (image data, text). */
  raw?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface RouteOptions {
  /** No token needed (version documents, schemas as Glance allows). */
  public?: boolean;
  /** Leave the body unread; the handler reads ctx.req. */
  stream?: boolean;
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
  options: RouteOptions;
}

export type Match =
  | { kind: 'found'; handler: Handler; params: Record<string, string>; options: RouteOptions }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.push({ method, parts: split(pattern), handler, options });
    return this;
  }

  match(method: string, path: string): Match {
    const parts = split(path);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchParts(r.parts, parts);
      if (!params) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { kind: 'found', handler: r.handler, params, options: r.options };
      allowed.push(r.method);
    }
    return allowed.length ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(v);
    else if (p !== v) return undefined;
  }
  return params;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, ...(headers ? { headers } : {}) });
export const empty = (status = 204): Reply => ({ status });
