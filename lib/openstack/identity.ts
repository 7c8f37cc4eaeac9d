// Keystone v3 identity API, as much as the harness needs: the token of a
// session (like `openstack token issue`) and listings of projects and users
// for provisioning and leak audits. Requests go to the Keystone URL of the
// environment (known to be reachable) rather than to the catalog's identity
// endpoint, which sites often register without a version or on another network.
import { joinUrl } from './catalog.ts';
import type { KeystoneSession } from './keystone.ts';

export interface IssuedToken {
  /** Secret; redacted in every summary and error. */
  id: string;
  expires: Date;
  projectId: string;
  userId: string;
}

export interface KeystoneProject {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: boolean;
  parent_id: string | null;
  is_domain: boolean;
  tags: string[];
  options: Record<string, unknown>;
  links: { self: string };
}

export interface KeystoneUser {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id?: string;
  password_expires_at: string | null;
  options: Record<string, unknown>;
  links: { self: string };
}

export interface NameFilter {
  name?: string;
  domain_id?: string;
}

export class IdentityClient {
  constructor(private readonly session: KeystoneSession) {}

  async issueToken(): Promise<IssuedToken> {
    const t = await this.session.authenticate();
    return { id: t.value, expires: t.expiresAt, projectId: t.projectId, userId: t.userId };
  }

  async listProjects(filter: NameFilter = {}): Promise<KeystoneProject[]> {
    const r = await this.get<{ projects: KeystoneProject[] }>('projects', filter);
    return r.projects;
  }

  async listUsers(filter: NameFilter = {}): Promise<KeystoneUser[]> {
    const r = await this.get<{ users: KeystoneUser[] }>('users', filter);
    return r.users;
  }

  private async get<T>(path: string, query: NameFilter): Promise<T> {
    const url = joinUrl(this.session.authUrl, path);
    return (await this.session.requestUrl<T>('identity', 'GET', url, { query: { ...query } })).body;
  }
}
