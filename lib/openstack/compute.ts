// Nova (catalog type "compute") and Glance (type "image") look-ups and server
// create/show/wait/console log, the subset the provisioning helpers use.
// Requests use the base microversion (2.1): a server then names its flavor and
// image by id.
import { setTimeout as sleep } from 'node:timers/promises';
import { isHttpError } from './http-error.ts';
import type { KeystoneSession } from './keystone.ts';

export interface Server {
  id: string;
  name: string;
  status: string;
  flavor: { id: string };
  image: { id: string } | '';
  key_name: string | null;
  metadata: Record<string, string>;
  fault?: { message: string };
  [key: string]: unknown;
}

export interface Flavor {
  id: string;
  name: string;
}

export interface Image {
  id: string;
  name: string;
  status: string;
}

/** A server as GET /servers/detail lists it (the leak audit's view). */
export interface ServerSummary {
  id: string;
  name: string;
  status?: string;
  tenant_id?: string;
  metadata?: Record<string, string>;
}

const MAX_SERVER_PAGES = 1000;

export class ComputeClient {
  constructor(private readonly session: KeystoneSession) {}

  async listFlavors(): Promise<Flavor[]> {
    return (await this.session.request<{ flavors: Flavor[] }>('compute', 'GET', 'flavors')).body.flavors ?? [];
  }

  /** GET /servers/detail, all projects when the session is an admin's. */
  async listServers(options: { allProjects?: boolean } = {}): Promise<ServerSummary[]> {
    const all: ServerSummary[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_SERVER_PAGES; page++) {
      const r = await this.session.request<{ servers: ServerSummary[] }>('compute', 'GET', 'servers/detail', {
        query: { all_tenants: options.allProjects ? 1 : undefined, limit: 1000, marker },
      });
      const servers = r.body.servers ?? [];
      all.push(...servers);
      if (servers.length < 1000) return all;
      marker = servers[servers.length - 1]!.id;
    }
    throw new Error(`compute: GET /servers/detail still had a next page after ${MAX_SERVER_PAGES} pages`);
  }

  /** Servers of the session's project whose name is exactly `name` (Nova filters by regex). */
  async serversNamed(name: string): Promise<Server[]> {
    const r = await this.session.request<{ servers: Server[] }>('compute', 'GET', 'servers/detail', { query: { name: `^${escapeRegex(name)}$` } });
    return r.body.servers.filter((s) => s.name === name);
  }

  async server(id: string): Promise<Server | undefined> {
    try {
      return (await this.session.request<{ server: Server }>('compute', 'GET', `servers/${id}`)).body.server;
    } catch (e) {
      if (isHttpError(e, 404)) return undefined;
      throw e;
    }
  }

  async createServer(body: Record<string, unknown>): Promise<string> {
    const r = await this.session.request<{ server: { id: string } }>('compute', 'POST', 'servers', { json: { server: body } });
    return r.body.server.id;
  }

  /** Waits (bounded) for ACTIVE; ERROR fails at once with Nova's fault message. */
  async waitActive(id: string, timeoutMs: number, pollMs = 1000): Promise<Server> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.server(id);
      if (!s) throw new Error(`server ${id} disappeared while waiting for ACTIVE`);
      if (s.status === 'ACTIVE') return s;
      if (s.status === 'ERROR') throw new Error(`server ${s.name} (${id}) went to ERROR: ${s.fault?.message ?? 'no fault message'}`);
      if (Date.now() > deadline) throw new Error(`server ${s.name} (${id}) not ACTIVE after ${timeoutMs / 1000} s (status ${s.status})`);
      await sleep(pollMs);
    }
  }

  /**
   * The server's console log (POST /servers/{id}/action os-getConsoleOutput;
   * length null: all Nova keeps). Nova answers 409 while the server cannot
   * give one yet and 501 when its driver has no console log at all.
   */
  async consoleOutput(id: string): Promise<string> {
    const r = await this.session.request<{ output: string }>('compute', 'POST', `servers/${id}/action`, { json: { 'os-getConsoleOutput': { length: null } } });
    if (typeof r.body?.output !== 'string') throw new Error(`compute: os-getConsoleOutput of server ${id} answered without an "output" string`);
    return r.body.output;
  }

  async flavorNamed(name: string): Promise<Flavor | undefined> {
    const r = await this.session.request<{ flavors: Flavor[] }>('compute', 'GET', 'flavors/detail', { query: { is_public: 'None' } });
    return r.body.flavors.find((f) => f.name === name || f.id === name);
  }

  async keypairExists(name: string): Promise<boolean> {
    try {
      await this.session.request('compute', 'GET', `os-keypairs/${encodeURIComponent(name)}`);
      return true;
    } catch (e) {
      if (isHttpError(e, 404)) return false;
      throw e;
    }
  }
}

export class ImageClient {
  constructor(private readonly session: KeystoneSession) {}

  async imageNamed(name: string): Promise<Image | undefined> {
    const r = await this.session.request<{ images: Image[] }>('image', 'GET', 'v2/images', { query: { name } });
    return r.body.images.find((i) => i.name === name);
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
