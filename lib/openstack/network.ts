// Neutron API (catalog type "network"), only what the leak audit needs: ports.
import type { KeystoneSession } from './keystone.ts';

const SERVICE_TYPE = 'network';

export interface PortSummary {
  id: string;
  name: string;
  device_id: string;
  device_owner: string;
  network_id: string;
  project_id?: string;
  fixed_ips?: { ip_address: string; subnet_id: string }[];
}

export interface NetworkSummary {
  id: string;
  name: string;
  shared?: boolean;
}

export class NetworkClient {
  constructor(private readonly session: KeystoneSession) {}

  async listNetworks(name?: string): Promise<NetworkSummary[]> {
    return (await this.session.request<{ networks: NetworkSummary[] }>(SERVICE_TYPE, 'GET', await this.path('networks'), { query: { name } })).body.networks ?? [];
  }

  /** GET /v2.0/ports (every project's for an admin). Some catalogs already end in /v2.0. */
  async listPorts(): Promise<PortSummary[]> {
    return (await this.session.request<{ ports: PortSummary[] }>(SERVICE_TYPE, 'GET', await this.path('ports'))).body.ports ?? [];
  }

  private async path(resource: string): Promise<string> {
    const endpoint = await this.session.endpoint(SERVICE_TYPE);
    return /\/v2\.0\/?$/.test(endpoint) ? resource : `v2.0/${resource}`;
  }
}
