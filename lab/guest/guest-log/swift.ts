// The few python-swiftclient Connection calls Trove's guest log code makes
// (trove/guestagent/guest_log.py), as a pre-authenticated client: the storage
// URL and the user's token come from the request context (trove/common/
// clients.py swift_client: CONF.swift_url + project_id, preauthtoken =
// context.auth_token). Like swiftclient, a 4xx/5xx answer raises a
// ClientException carrying http_status, and connection errors / 5xx are retried
// with a doubling backoff (swiftclient: retries=5, starting_backoff=1).
import { RemoteFailure } from '../oslo/failure.ts';

export interface ObjectListing {
  name: string;
  bytes: number;
  hash: string;
  last_modified: string;
  content_type: string;
}

/** What guest_log.py needs of a Swift connection (also implemented by test doubles). */
export interface ObjectStore {
  getContainer(container: string, prefix?: string): Promise<ObjectListing[]>;
  putContainer(container: string, headers: Record<string, string>): Promise<void>;
  putObject(container: string, name: string, contents: string, headers: Record<string, string>): Promise<void>;
  getObject(container: string, name: string): Promise<{ headers: Record<string, string>; body: Buffer }>;
  deleteObject(container: string, name: string): Promise<void>;
}

/** swiftclient.exceptions.ClientException, as the guest would send it back. */
export class SwiftClientException extends RemoteFailure {
  constructor(
    message: string,
    readonly httpStatus: number | null,
  ) {
    super('ClientException', 'swiftclient.exceptions', message);
  }
}

export const isHttpStatus = (err: unknown, status: number): boolean => err instanceof SwiftClientException && err.httpStatus === status;

/** swiftclient's quote(name, safe='/'). */
const quote = (s: string): string => encodeURIComponent(s).replace(/%2F/g, '/');

export interface SwiftConnectionOptions {
  /** e.g. http://proxy.polex.io:8080/v1/AUTH_<project>. */
  storageUrl: string;
  token: string;
  retries?: number;
  startingBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
}

export class SwiftConnection implements ObjectStore {
  private readonly retries: number;
  private readonly startingBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: SwiftConnectionOptions) {
    this.retries = o.retries ?? 5;
    this.startingBackoffMs = o.startingBackoffMs ?? 1000;
    this.maxBackoffMs = o.maxBackoffMs ?? 64_000;
    this.timeoutMs = o.timeoutMs ?? 60_000;
  }

  private async request(method: string, path: string, what: string, init: { headers?: Record<string, string>; body?: string; query?: string } = {}): Promise<Response> {
    const url = `${this.o.storageUrl.replace(/\/$/, '')}${path}${init.query ? `?${init.query}` : ''}`;
    let backoff = this.startingBackoffMs;
    for (let attempt = 0; ; attempt++) {
      let res: Response | null = null;
      let netError: unknown = null;
      try {
        res = await fetch(url, {
          method,
          headers: { 'X-Auth-Token': this.o.token, ...(init.headers ?? {}) },
          body: init.body === undefined ? undefined : Buffer.from(init.body, 'utf8'),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        netError = err;
      }
      if (res && res.status < 500) {
        if (res.status >= 200 && res.status < 300) return res;
        const text = await res.text().catch(() => '');
        throw new SwiftClientException(`${what} failed: ${method} ${url} ${res.status} ${res.statusText} ${text.slice(0, 200)}`.trim(), res.status);
      }
      if (attempt >= this.retries) {
        if (res) throw new SwiftClientException(`${what} failed: ${method} ${url} ${res.status} ${res.statusText}`, res.status);
        throw new SwiftClientException(`${what} failed: ${method} ${url}: ${netError instanceof Error ? netError.message : String(netError)}`, null);
      }
      if (res) await res.arrayBuffer().catch(() => undefined);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }

  async getContainer(container: string, prefix?: string): Promise<ObjectListing[]> {
    const q = new URLSearchParams({ format: 'json', ...(prefix !== undefined ? { prefix } : {}) });
    const res = await this.request('GET', `/${quote(container)}`, 'Container GET', { query: q.toString() });
    if (res.status === 204) return [];
    return (await res.json()) as ObjectListing[];
  }

  async putContainer(container: string, headers: Record<string, string>): Promise<void> {
    const res = await this.request('PUT', `/${quote(container)}`, 'Container PUT', { headers: { ...headers, 'Content-Length': '0' } });
    await res.arrayBuffer();
  }

  async putObject(container: string, name: string, contents: string, headers: Record<string, string>): Promise<void> {
    const res = await this.request('PUT', `/${quote(container)}/${quote(name)}`, 'Object PUT', { headers, body: contents });
    await res.arrayBuffer();
  }

  async getObject(container: string, name: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
    const res = await this.request('GET', `/${quote(container)}/${quote(name)}`, 'Object GET');
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  async deleteObject(container: string, name: string): Promise<void> {
    const res = await this.request('DELETE', `/${quote(container)}/${quote(name)}`, 'Object DELETE');
    await res.arrayBuffer();
  }
}

export interface SwiftEndpointSettings {
  /** [DEFAULT] swift_url, "URL ending in AUTH_": the project id is appended. */
  swiftUrl: string | null;
  serviceType: string;
  endpointType: string;
  region: string | null;
}

/**
 * trove/common/clients.py swift_client's URL: swift_url + project_id, else the
 * context's service catalog (v3 entries {type, endpoints: [{interface, region, url}]}
 * or v2 {type, endpoints: [{region, publicURL}]}).
 */
export function swiftStorageUrl(s: SwiftEndpointSettings, context: Record<string, unknown>): string {
  const project = String(context.project_id ?? context.tenant ?? '');
  if (s.swiftUrl) return `${s.swiftUrl}${project}`;
  const catalog = context.service_catalog;
  if (!Array.isArray(catalog) || catalog.length === 0) throw new RemoteFailure('EmptyCatalog', 'trove.common.exception', 'Empty catalog.');
  const iface = s.endpointType.replace(/URL$/, '');
  for (const svc of catalog as Array<{ type?: string; endpoints?: Array<Record<string, string>> }>) {
    if (svc.type !== s.serviceType) continue;
    for (const ep of svc.endpoints ?? []) {
      const region = ep.region ?? ep.region_id;
      if (s.region && region && region !== s.region) continue;
      if (ep[s.endpointType]) return ep[s.endpointType]!;
      if (ep.interface === iface && ep.url) return ep.url;
    }
  }
  throw new RemoteFailure(
    'NoServiceEndpoint',
    'trove.common.exception',
    `Endpoint not found for service_type=${s.serviceType}, endpoint_type=${s.endpointType}, endpoint_region=${s.region ?? 'None'}.`,
  );
}
