// Token validation against the real Keystone, as keystonemiddleware does it:
// the lab cloud logs in as its own service user, then asks
// GET /v3/auth/tokens (X-Auth-Token: ours, X-Subject-Token: the caller's).
// Valid answers are cached until the token expires or `cacheSeconds` pass.
export interface KeystoneConfig {
  /** Identity v3 URL, e.g. http://198.18.0.10:5000/v3 */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  cacheSeconds: number;
}

export interface Identity {
  token: string;
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  roles: string[];
  /** Keystone role `admin` (what the Nova/Neutron/Glance default policies call admin). */
  isAdmin: boolean;
  expiresAt: number;
}

export interface TokenValidator {
  validate(token: string): Promise<Identity | undefined>;
}

interface TokenBody {
  token: {
    expires_at: string;
    user: { id: string; name: string };
    project?: { id: string; name: string };
    roles?: { name: string }[];
  };
}

export class KeystoneValidator implements TokenValidator {
  private serviceToken: { value: string; expiresAt: number } | undefined;
  private readonly cache = new Map<string, { identity: Identity; until: number }>();

  constructor(private readonly config: KeystoneConfig) {}

  async validate(token: string): Promise<Identity | undefined> {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.identity;
    this.cache.delete(token);
    let res = await this.check(token, await this.service(false));
    // Our own token may have expired or been revoked: log in again once.
    if (res.status === 401 || res.status === 403) res = await this.check(token, await this.service(true));
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as TokenBody;
    const identity = toIdentity(token, body);
    if (!identity || identity.expiresAt <= now) return undefined;
    this.cache.set(token, { identity, until: Math.min(identity.expiresAt, now + this.config.cacheSeconds * 1000) });
    if (this.cache.size > 5000) this.prune(now);
    return identity;
  }

  private check(token: string, serviceToken: string): Promise<Response> {
    return fetch(`${this.config.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': token, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
  }

  private async service(renew: boolean): Promise<string> {
    if (!renew && this.serviceToken && this.serviceToken.expiresAt - Date.now() > 60_000) return this.serviceToken.value;
    const c = this.config;
    const res = await fetch(`${c.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: c.userDomainName } } } },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const value = res.headers.get('x-subject-token');
    if (res.status !== 201 || !value) throw new Error(`lab cloud cannot log in to Keystone as ${c.username}: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as TokenBody;
    this.serviceToken = { value, expiresAt: Date.parse(body.token.expires_at) };
    return value;
  }

  private prune(now: number): void {
    for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
  }
}

export function toIdentity(token: string, body: TokenBody): Identity | undefined {
  const t = body.token;
  // Unscoped and domain-scoped tokens own no project: Nova and Neutron refuse them.
  if (!t.project) return undefined;
  const roles = (t.roles ?? []).map((r) => r.name);
  return {
    token,
    userId: t.user.id,
    userName: t.user.name,
    projectId: t.project.id,
    projectName: t.project.name,
    roles,
    isAdmin: roles.includes('admin'),
    expiresAt: Date.parse(t.expires_at),
  };
}
