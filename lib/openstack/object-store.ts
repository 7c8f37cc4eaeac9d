// Swift object-store API (catalog type "object-store"), for backup checks and
// the Swift probes: containers and objects of the session's account. The
// catalog URL already ends in the account (…/v1/AUTH_<project id>).
import type { HttpResponse } from './http.ts';
import type { KeystoneSession } from './keystone.ts';

const SERVICE_TYPE = 'object-store';

/** One entry of GET /{container}?format=json */
export interface SwiftObjectEntry {
  name: string;
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
}

export interface SwiftObjectInfo {
  contentLength: number;
  contentType: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  /** X-Object-Meta-* headers, without the prefix, lower-cased. */
  metadata: Record<string, string>;
}

export interface SwiftObject extends SwiftObjectInfo {
  body: Buffer;
}

export interface ListOptions {
  prefix?: string;
}

// Swift caps one listing page at 10000 names; we ask for the cap and follow markers.
const PAGE_LIMIT = 10_000;

export class ObjectStoreClient {
  constructor(private readonly session: KeystoneSession) {}

  async createContainer(container: string): Promise<void> {
    await this.session.request(SERVICE_TYPE, 'PUT', containerPath(container));
  }

  /** Swift refuses (409) to delete a container that still holds objects. */
  async deleteContainer(container: string): Promise<void> {
    await this.session.request(SERVICE_TYPE, 'DELETE', containerPath(container));
  }

  async listContainer(container: string, options: ListOptions = {}): Promise<SwiftObjectEntry[]> {
    const all: SwiftObjectEntry[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await this.session.request<SwiftObjectEntry[] | undefined>(SERVICE_TYPE, 'GET', containerPath(container), {
        query: { format: 'json', limit: PAGE_LIMIT, prefix: options.prefix, marker },
      });
      // Older Swift answers an empty listing with 204 and no body.
      const page = r.body ?? [];
      all.push(...page);
      if (page.length < PAGE_LIMIT) return all;
      marker = page[page.length - 1]?.name;
    }
  }

  async putObject(container: string, name: string, body: Buffer | string, contentType = 'application/octet-stream'): Promise<{ etag: string | undefined }> {
    const r = await this.session.request(SERVICE_TYPE, 'PUT', objectPath(container, name), {
      body,
      headers: { 'content-type': contentType },
    });
    return { etag: single(r.headers.etag) };
  }

  async getObject(container: string, name: string): Promise<SwiftObject> {
    const r = await this.session.request(SERVICE_TYPE, 'GET', objectPath(container, name), { headers: { accept: '*/*' } });
    return { ...infoOf(r), body: r.rawBody };
  }

  /** Metadata only; an absent object is an HttpError with status 404. */
  async headObject(container: string, name: string): Promise<SwiftObjectInfo> {
    return infoOf(await this.session.request(SERVICE_TYPE, 'HEAD', objectPath(container, name), { headers: { accept: '*/*' } }));
  }

  async deleteObject(container: string, name: string): Promise<void> {
    await this.session.request(SERVICE_TYPE, 'DELETE', objectPath(container, name));
  }
}

function containerPath(container: string): string {
  return encodeURIComponent(container);
}

/** Object names may contain slashes (pseudo-folders); they stay slashes in the path. */
function objectPath(container: string, name: string): string {
  return `${containerPath(container)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

function infoOf(r: HttpResponse): SwiftObjectInfo {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (k.startsWith('x-object-meta-') && typeof v === 'string') metadata[k.slice('x-object-meta-'.length)] = v;
  }
  return {
    contentLength: Number(r.headers['content-length'] ?? r.rawBody.length),
    contentType: single(r.headers['content-type']),
    etag: single(r.headers.etag),
    lastModified: single(r.headers['last-modified']),
    metadata,
  };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
