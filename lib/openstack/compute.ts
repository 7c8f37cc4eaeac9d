// Nova API (catalog type "compute"), only what the leak audit needs: the
// servers of every project (admin) or of the session's project.
import type { KeystoneSession } from './keystone.ts';

const SERVICE_TYPE = 'compute';
const MAX_PAGES = 1000;

export interface ServerSummary {
  id: string;
  name: string;
  status?: string;
  tenant_id?: string;
  metadata?: Record<string, string>;
}

export interface FlavorSummary {
  id: string;
  name: string;
}

export class ComputeClient {
  constructor(private readonly session: KeystoneSession) {}

  async listFlavors(): Promise<FlavorSummary[]> {
    return (await this.session.request<{ flavors: FlavorSummary[] }>(SERVICE_TYPE, 'GET', 'flavors')).body.flavors ?? [];
  }

  /** GET /servers/detail, all projects when the session is an admin's. */
  async listServers(options: { allProjects?: boolean } = {}): Promise<ServerSummary[]> {
    const all: ServerSummary[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.session.request<{ servers: ServerSummary[] }>(SERVICE_TYPE, 'GET', 'servers/detail', {
        query: { all_tenants: options.allProjects ? 1 : undefined, limit: 1000, marker },
      });
      const servers = r.body.servers ?? [];
      all.push(...servers);
      if (servers.length < 1000) return all;
      marker = servers[servers.length - 1]!.id;
    }
    throw new Error(`compute: GET /servers/detail still had a next page after ${MAX_PAGES} pages`);
  }
}
