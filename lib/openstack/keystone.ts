// A Keystone v3 session for one set of credentials: password authentication
// scoped to a project, the token reused until shortly before it expires,
// endpoints taken from the token's catalog, and one transparent
// re-authentication when a service answers 401 (a token revoked or expired
// early, e.g. after the Keystone fernet keys rotated or a Keystone node failed over).
import { CatalogError, findEndpoint, joinUrl } from './catalog.ts';
import { HttpError, isHttpError } from './http-error.ts';
import type { HttpClient, HttpMethod, HttpRequest, HttpResponse } from './http.ts';
import {
  passwordAuthBody,
  type EndpointInterface,
  type KeystoneCatalogService,
  type KeystoneTokenResponse,
  type PasswordCredentials,
} from './keystone-types.ts';

export interface KeystoneSessionOptions {
  /** Which credentials these are ("admin", "tenant"); named in errors. */
  name: string;
  /** Keystone URL from the environment, with or without the /v3 suffix. */
  authUrl: string;
  credentials: PasswordCredentials;
  region: string;
  interface: EndpointInterface;
  http: HttpClient;
  /** Get a new token when less than this is left of the current one. */
  expiryMarginMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export interface SessionToken {
  /** The token itself: a secret, registered with the redactor. */
  value: string;
  /** When the token expires, on the local clock. */
  expiresAt: Date;
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  roles: string[];
  catalog: KeystoneCatalogService[];
}

export type ServiceRequestOptions = Omit<HttpRequest, 'service' | 'method' | 'url'>;

const DEFAULT_EXPIRY_MARGIN_MS = 120_000;

export class KeystoneSession {
  readonly name: string;
  /** Keystone v3 base URL, e.g. http://198.18.0.10:5000/v3 */
  readonly authUrl: string;
  private readonly http: HttpClient;
  private readonly now: () => number;
  private readonly expiryMarginMs: number;
  private current?: SessionToken;
  private pending?: Promise<SessionToken>;

  constructor(private readonly options: KeystoneSessionOptions) {
    this.name = options.name;
    this.authUrl = v3Url(options.authUrl);
    this.http = options.http;
    this.now = options.now ?? Date.now;
    this.expiryMarginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
    this.http.redactor.addSecret(options.credentials.password);
  }

  /** The current token, authenticating first when there is none or it is about to expire. */
  async token(): Promise<SessionToken> {
    const t = this.current;
    if (t && t.expiresAt.getTime() - this.expiryMarginMs > this.now()) return t;
    return this.authenticate();
  }

  /** A fresh token; concurrent callers share one authentication request. */
  authenticate(): Promise<SessionToken> {
    this.pending ??= this.issueToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the current token: the next request authenticates again. */
  invalidate(): void {
    this.current = undefined;
  }

  async projectId(): Promise<string> {
    return (await this.token()).projectId;
  }

  async userId(): Promise<string> {
    return (await this.token()).userId;
  }

  /** The endpoint URL of a service type for the environment's region and interface. */
  async endpoint(serviceType: string): Promise<string> {
    const t = await this.token();
    const query = { serviceType, interface: this.options.interface, region: this.options.region };
    try {
      return findEndpoint(t.catalog, query, t.projectId);
    } catch (e) {
      if (e instanceof CatalogError) throw new CatalogError(`${this.name} session: ${e.message}`, e.query);
      throw e;
    }
  }

  /** A request to a service found in the catalog; path is relative to its endpoint. */
  async request<T = unknown>(serviceType: string, method: HttpMethod, path: string, opts: ServiceRequestOptions = {}): Promise<HttpResponse<T>> {
    const url = joinUrl(await this.endpoint(serviceType), path);
    return this.requestUrl<T>(serviceType, method, url, opts);
  }

  /** An authenticated request to an absolute URL (Keystone itself, a Swift object URL). */
  async requestUrl<T = unknown>(service: string, method: HttpMethod, url: string, opts: ServiceRequestOptions = {}): Promise<HttpResponse<T>> {
    const used = await this.token();
    try {
      return await this.send<T>(service, method, url, opts, used);
    } catch (e) {
      if (!isHttpError(e, 401)) throw e;
      // The token was refused although we thought it valid (revoked, keys
      // rotated, clock skew). A 401 comes from the auth middleware before the
      // service did anything, so repeating even a POST once is safe.
      if (this.current === used) this.invalidate();
      const fresh = await this.token();
      return this.send<T>(service, method, url, opts, fresh);
    }
  }

  private send<T>(service: string, method: HttpMethod, url: string, opts: ServiceRequestOptions, token: SessionToken): Promise<HttpResponse<T>> {
    return this.http.request<T>({
      ...opts,
      service: `${service} (${this.name})`,
      method,
      url,
      headers: { ...opts.headers, 'x-auth-token': token.value },
    });
  }

  private async issueToken(): Promise<SessionToken> {
    const localStart = this.now();
    const response = await this.http.request<KeystoneTokenResponse>({
      service: `keystone (${this.name} credentials)`,
      method: 'POST',
      url: joinUrl(this.authUrl, 'auth/tokens'),
      json: passwordAuthBody(this.options.credentials),
    });
    const value = headerValue(response.headers['x-subject-token']);
    const token = response.body?.token;
    if (!value || !token) {
      throw new HttpError({
        service: `keystone (${this.name} credentials)`,
        method: 'POST',
        url: joinUrl(this.authUrl, 'auth/tokens'),
        status: response.status,
        attempts: 1,
        reason: 'the answer has no X-Subject-Token header or no token body; is keystone.url a Keystone v3 endpoint?',
      });
    }
    this.http.redactor.addSecret(value);
    if (!token.project) {
      throw new Error(`${this.name} session: Keystone issued a token without a project scope for project "${this.options.credentials.project}"; check the project and its domain`);
    }
    // Lifetime from Keystone's own two timestamps, applied to the local clock:
    // comparing expires_at with the local clock directly would be off by any
    // clock skew between the harness and the site.
    const lifetimeMs = Date.parse(token.expires_at) - Date.parse(token.issued_at);
    const session: SessionToken = {
      value,
      expiresAt: new Date(localStart + (Number.isFinite(lifetimeMs) ? lifetimeMs : 0)),
      userId: token.user.id,
      userName: token.user.name,
      projectId: token.project.id,
      projectName: token.project.name,
      roles: (token.roles ?? []).map((r) => r.name),
      catalog: token.catalog ?? [],
    };
    this.current = session;
    return session;
  }
}

/** Operators write the Keystone URL with or without /v3 (OS_AUTH_URL habits differ). */
export function v3Url(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
