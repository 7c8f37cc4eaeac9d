// A Keystone v3 stand-in faithful to what Keystone 22 answers to
// POST /v3/auth/tokens (keystone/common/render_token.py): 201, the token in
// X-Subject-Token, a project-scoped body with user, project, roles, audit ids,
// expires_at/issued_at with microseconds, and a catalog whose URLs Keystone
// has already formatted (%(tenant_id)s -> project id, as in
// keystone/catalog/backends/sql.py get_v3_catalog).
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, type RecordedRequest } from './loopback-http.ts';

/** An endpoint as registered with `openstack endpoint create` (URL may hold %(tenant_id)s). */
export interface RegisteredEndpoint {
  type: string;
  name: string;
  interface: 'public' | 'internal' | 'admin';
  region: string;
  url: string;
}

export interface FakeKeystoneOptions {
  username: string;
  password: string;
  project: string;
  /** Domain names the user and the project live in ("Default" if not given). */
  userDomain?: string;
  projectDomain?: string;
  registered: RegisteredEndpoint[];
  /** Token lifetime in seconds (Keystone's [token] expiration; 3600 by default). */
  lifetimeSeconds?: number;
  /** Server clock, to test that the harness does not depend on it. */
  serverNow?: () => Date;
}

export const USER_ID = 'b2a8d4f2c3e94c7f9a61d0e5b7c8a9f0';
export const PROJECT_ID = '4c1e6f0a9d2b4e8c8f3a7b5d6e1c2a90';

export class FakeKeystone {
  /** Every token issued, in order. */
  readonly issued: string[] = [];
  /** Tokens a service should refuse (revoked). */
  readonly revoked = new Set<string>();

  constructor(private readonly options: FakeKeystoneOptions) {}

  /** Handles POST …/v3/auth/tokens; returns false when the request is not for Keystone. */
  handle(req: RecordedRequest, res: ServerResponse): boolean {
    if (!req.url.endsWith('/v3/auth/tokens') || req.method !== 'POST') return false;
    const body = JSON.parse(req.body) as AuthBody;
    const user = body.auth.identity.password.user;
    const scope = body.auth.scope.project;
    const o = this.options;
    const userOk = user.name === o.username && user.password === o.password && user.domain.name === (o.userDomain ?? 'Default');
    const scopeOk = scope.name === o.project && scope.domain.name === (o.projectDomain ?? 'Default');
    if (!userOk || !scopeOk) {
      sendJson(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } }, { 'x-openstack-request-id': `req-${randomUUID()}` });
      return true;
    }
    const token = `gAAAAAB${randomBytes(120).toString('base64url')}`;
    this.issued.push(token);
    sendJson(res, 201, this.tokenBody(), { 'x-subject-token': token, vary: 'X-Auth-Token', 'x-openstack-request-id': `req-${randomUUID()}` });
    return true;
  }

  /** What a service's auth middleware does: 401 unless the token is one we issued and did not revoke. */
  accepts(req: RecordedRequest): boolean {
    const t = req.headers['x-auth-token'];
    return typeof t === 'string' && this.issued.includes(t) && !this.revoked.has(t);
  }

  tokenBody(): unknown {
    const now = this.options.serverNow?.() ?? new Date();
    const expires = new Date(now.getTime() + (this.options.lifetimeSeconds ?? 3600) * 1000);
    const domainOf = (name: string | undefined) => (name && name !== 'Default' ? { id: name.toLowerCase(), name } : { id: 'default', name: 'Default' });
    return {
      token: {
        methods: ['password'],
        user: { domain: domainOf(this.options.userDomain), id: USER_ID, name: this.options.username, password_expires_at: null },
        audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
        expires_at: isotime(expires),
        issued_at: isotime(now),
        project: { domain: domainOf(this.options.projectDomain), id: PROJECT_ID, name: this.options.project },
        is_domain: false,
        roles: [
          { id: '9fe2ff9ee4384b1894a90878d3e92bab', name: 'member' },
          { id: 'd2bd0e4fd2e64ff6a0f1d1a3b5c1a2e3', name: 'reader' },
        ],
        catalog: this.catalog(),
      },
    };
  }

  private catalog(): unknown[] {
    const services = new Map<string, { endpoints: unknown[]; id: string; type: string; name: string }>();
    for (const ep of this.options.registered) {
      const key = `${ep.type}/${ep.name}`;
      if (!services.has(key)) services.set(key, { endpoints: [], id: randomUUID().replace(/-/g, ''), type: ep.type, name: ep.name });
      services.get(key)!.endpoints.push({
        id: randomUUID().replace(/-/g, ''),
        interface: ep.interface,
        region_id: ep.region,
        url: ep.url.replace('%(tenant_id)s', PROJECT_ID).replace('%(project_id)s', PROJECT_ID),
        region: ep.region,
      });
    }
    return [...services.values()];
  }
}

interface AuthBody {
  auth: {
    identity: { methods: string[]; password: { user: { name: string; password: string; domain: { name: string } } } };
    scope: { project: { name: string; domain: { name: string } } };
  };
}

/** keystone.common.utils.isotime(subsecond=True): 2025-11-22T01:00:00.000000Z */
function isotime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
