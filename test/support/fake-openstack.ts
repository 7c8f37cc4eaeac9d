// A loopback "cloud" for the session and client tests: the Keystone stand-in
// of keystone-fixture.ts plus service routes behind a token check, as
// keystonemiddleware's auth_token would do in front of Trove or Swift.
import type { ServerResponse } from 'node:http';
import { FakeKeystone, type RegisteredEndpoint } from './keystone-fixture.ts';
import { sendJson, startLoopbackServer, type LoopbackServer, type RecordedRequest } from './loopback-http.ts';

export const CREDENTIALS = { username: 'trove-ha-tenant', password: 'tenant-pw-9f3k', project: 'trove-ha-tenant', userDomain: 'Default', projectDomain: 'Default' };

export interface FakeCloud {
  server: LoopbackServer;
  keystone: FakeKeystone;
  /** Requests that reached a service (not Keystone's token issue). */
  serviceRequests(): RecordedRequest[];
  authRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export type ServiceRoute = (req: RecordedRequest, res: ServerResponse) => void;

/** Endpoints of the usual services, all on this server, registered the way the lab recipe registers them. */
export function standardCatalog(base: string): RegisteredEndpoint[] {
  const eps: RegisteredEndpoint[] = [];
  for (const i of ['public', 'internal', 'admin'] as const) {
    eps.push({ type: 'identity', name: 'keystone', interface: i, region: 'RegionOne', url: `${base}/v3/` });
    eps.push({ type: 'database', name: 'trove', interface: i, region: 'RegionOne', url: `${base}/${i}/trove/v1.0/%(tenant_id)s` });
    eps.push({ type: 'object-store', name: 'swift', interface: i, region: 'RegionOne', url: `${base}/${i}/swift/v1/AUTH_%(tenant_id)s` });
  }
  // Only in another region: a lookup in RegionOne must miss it.
  eps.push({ type: 'compute', name: 'nova', interface: 'public', region: 'RegionTwo', url: `${base}/nova/v2.1` });
  return eps;
}

export interface FakeCloudOptions {
  lifetimeSeconds?: number;
  serverNow?: () => Date;
  userDomain?: string;
  projectDomain?: string;
}

export async function startFakeCloud(route: ServiceRoute, options: FakeCloudOptions = {}): Promise<FakeCloud> {
  let keystone: FakeKeystone | undefined;
  const server = await startLoopbackServer((req, res) => {
    if (keystone!.handle(req, res)) return;
    if (!keystone!.accepts(req)) {
      sendJson(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
      return;
    }
    route(req, res);
  });
  keystone = new FakeKeystone({ ...CREDENTIALS, registered: standardCatalog(server.url), ...options });
  const isAuth = (r: RecordedRequest) => r.url.endsWith('/v3/auth/tokens');
  return {
    server,
    keystone,
    serviceRequests: () => server.requests.filter((r) => !isAuth(r)),
    authRequests: () => server.requests.filter(isAuth),
    close: () => server.close(),
  };
}
