// The few Swift object-API calls a backup needs, with the user's token as
// Trove's guest uses it (clients.swift_client: preauthurl = swift_url +
// project id, preauthtoken = context.auth_token). Bodies stream both ways so
// a backup never sits in memory. The token never appears in an error message.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

export class SwiftError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    body: string,
  ) {
    // swiftclient's ClientException text: "<Kind> <METHOD> failed: <url> <status> <reason>"
    super(`Swift ${method} ${path} failed: HTTP ${status}${body ? ` ${body.slice(0, 200).trim()}` : ''}`);
  }
}

export interface SwiftResponse {
  status: number;
  headers: IncomingMessage['headers'];
}

export class SwiftClient {
  constructor(
    /** http(s)://host:port/v1/AUTH_<project> */
    readonly storageUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 60_000,
  ) {}

  private url(container: string, object?: string, query?: string): URL {
    const path = [container, object].filter((p): p is string => p !== undefined).map(encodeURIComponent).join('/');
    return new URL(`${this.storageUrl}/${path}${query ? `?${query}` : ''}`);
  }

  /** One request; body = a stream (sent chunked), a string, or none. Resolves with the response still unread. */
  private send(method: string, url: URL, headers: Record<string, string>, body?: Readable | string): Promise<IncomingMessage> {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers: { 'X-Auth-Token': this.token, ...headers }, timeout: this.timeoutMs });
    return new Promise((resolve, reject) => {
      req.once('response', resolve);
      req.once('timeout', () => req.destroy(new Error(`Swift ${method} ${url.pathname}: no answer within ${this.timeoutMs} ms`)));
      req.once('error', reject);
      if (body === undefined) req.end();
      else if (typeof body === 'string') req.end(body);
      else {
        body.once('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  private async expect(method: string, url: URL, ok: (status: number) => boolean, headers: Record<string, string> = {}, body?: Readable | string): Promise<SwiftResponse> {
    const res = await this.send(method, url, headers, body);
    let text = '';
    for await (const chunk of res) if (text.length < 1000) text += String(chunk);
    const status = res.statusCode ?? 0;
    if (!ok(status)) throw new SwiftError(method, url.pathname, status, text);
    return { status, headers: res.headers };
  }

  /** put_container: 201 created or 202 already there. */
  async putContainer(container: string): Promise<void> {
    await this.expect('PUT', this.url(container), (s) => s === 201 || s === 202, { 'Content-Length': '0' });
  }

  /** put_object from a stream (chunked); returns the ETag Swift computed. */
  async putObjectStream(container: string, object: string, body: Readable): Promise<string> {
    const r = await this.expect('PUT', this.url(container, object), (s) => s === 201, { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/octet-stream' }, body);
    return String(r.headers.etag ?? '').replace(/"/g, '');
  }

  /** put_object(container, name, '', headers={'X-Copy-From': source, ...metadata}): server-side copy. */
  async copyObject(container: string, object: string, source: string, headers: Record<string, string>): Promise<void> {
    await this.expect('PUT', this.url(container, object), (s) => s === 201, { ...headers, 'X-Copy-From': source, 'Content-Length': '0' });
  }

  async deleteObject(container: string, object: string): Promise<void> {
    await this.expect('DELETE', this.url(container, object), (s) => s === 204 || s === 404);
  }

  async headObject(container: string, object: string): Promise<SwiftResponse> {
    return this.expect('HEAD', this.url(container, object), (s) => s === 200);
  }

  /** get_object: the response headers and the unread body. */
  async getObject(container: string, object: string): Promise<{ headers: IncomingMessage['headers']; body: IncomingMessage }> {
    const url = this.url(container, object);
    const res = await this.send('GET', url, {});
    if (res.statusCode !== 200) {
      let text = '';
      for await (const chunk of res) if (text.length < 1000) text += String(chunk);
      throw new SwiftError('GET', url.pathname, res.statusCode ?? 0, text);
    }
    return { headers: res.headers, body: res };
  }
}

/** swift returns the etag in double quotes. */
export const etagOf = (headers: IncomingMessage['headers']): string => String(headers.etag ?? '').replace(/"/g, '');
