// JSON shapes of Keystone v3 password authentication, as rendered by
// keystone/common/render_token.py (Keystone 22) and documented in the
// Identity API v3 reference (POST /v3/auth/tokens).

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface KeystoneEndpoint {
  id: string;
  interface: EndpointInterface;
  /** Deprecated alias of region_id, still rendered by Keystone. */
  region: string | null;
  region_id: string | null;
  /** Already substituted by Keystone: %(tenant_id)s / %(project_id)s -> the token's project. */
  url: string;
}

export interface KeystoneCatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: KeystoneEndpoint[];
}

export interface KeystoneNamedRef {
  id: string;
  name: string;
}

export interface KeystoneToken {
  methods: string[];
  user: KeystoneNamedRef & { domain: KeystoneNamedRef; password_expires_at: string | null };
  audit_ids: string[];
  /** ISO 8601 UTC, e.g. 2025-11-22T02:00:00.000000Z */
  expires_at: string;
  issued_at: string;
  project?: KeystoneNamedRef & { domain: KeystoneNamedRef };
  is_domain?: boolean;
  roles?: KeystoneNamedRef[];
  is_admin_project?: boolean;
  catalog?: KeystoneCatalogService[];
}

export interface KeystoneTokenResponse {
  token: KeystoneToken;
}

export interface PasswordCredentials {
  username: string;
  password: string;
  project: string;
  /** Domain names (Keystone's "Default" is the name of the domain with id "default"). */
  userDomain: string;
  projectDomain: string;
}

/** Body of POST /v3/auth/tokens: password method, scoped to a project. */
export function passwordAuthBody(c: PasswordCredentials): unknown {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: c.username, domain: { name: c.userDomain }, password: c.password } },
      },
      scope: { project: { name: c.project, domain: { name: c.projectDomain } } },
    },
  };
}
