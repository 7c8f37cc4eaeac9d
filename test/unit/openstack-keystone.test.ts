import assert from 'node:assert/strict';
import { HttpClient } from '../../lib/openstack/http.ts';
import { HttpError } from '../../lib/openstack/http-error.ts';
import { KeystoneSession, v3Url, type KeystoneSessionOptions } from '../../lib/openstack/keystone.ts';
import { CatalogError } from '../../lib/openstack/catalog.ts';
import { openSessions } from '../../lib/openstack/sessions.ts';
import type { ExchangeSummary } from '../../lib/openstack/exchange.ts';
import { environmentSchema } from '../../lib/env/schema.ts';
import { ConfigError } from '../../lib/env/errors.ts';
import { sendJson } from '../support/loopback-http.ts';
import { PROJECT_ID, USER_ID } from '../support/keystone-fixture.ts';
import { CREDENTIALS, startFakeCloud, type FakeCloud, type ServiceRoute } from '../support/fake-openstack.ts';

const okRoute: ServiceRoute = (req, res) => sendJson(res, 200, { path: req.url }, { 'x-openstack-request-id': 'req-svc' });

function sessionFor(cloud: FakeCloud, over: Partial<KeystoneSessionOptions> = {}): KeystoneSession {
  return new KeystoneSession({
    name: 'tenant',
    authUrl: `${cloud.server.url}/v3`,
    credentials: CREDENTIALS,
    region: 'RegionOne',
    interface: 'public',
    http: new HttpClient({ timeoutMs: 2000, retry: { retries: 0 } }),
    ...over,
  });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('openstack keystone session', () => {
  let cloud: FakeCloud | undefined;
  afterEach(async () => {
    await cloud?.close();
    cloud = undefined;
  });

  it('authenticates with the password method, scoped to the project, with the domains of the credentials', async () => {
    cloud = await startFakeCloud(okRoute, { userDomain: 'Users', projectDomain: 'Projects' });
    const s = sessionFor(cloud, { credentials: { ...CREDENTIALS, userDomain: 'Users', projectDomain: 'Projects' } });
    assert.equal(await s.projectId(), PROJECT_ID);
    const sent = JSON.parse(cloud.authRequests()[0]!.body);
    assert.deepEqual(sent, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: CREDENTIALS.username, domain: { name: 'Users' }, password: CREDENTIALS.password } } },
        scope: { project: { name: CREDENTIALS.project, domain: { name: 'Projects' } } },
      },
    });
    assert.equal(cloud.authRequests()[0]!.url, '/v3/auth/tokens');
  });

  it('exposes project id, user id, roles and the token from a real-shaped Keystone answer', async () => {
    cloud = await startFakeCloud(okRoute);
    const s = sessionFor(cloud);
    assert.equal(await s.projectId(), PROJECT_ID);
    assert.equal(await s.userId(), USER_ID);
    const t = await s.token();
    assert.equal(t.value, cloud.keystone.issued[0]);
    assert.deepEqual(t.roles, ['member', 'reader']);
    assert.equal(t.projectName, CREDENTIALS.project);
    assert.equal(cloud.authRequests().length, 1, 'one authentication serves all three calls');
  });

  it('builds service URLs from the catalog, with the project id Keystone substituted, for the configured interface', async () => {
    cloud = await startFakeCloud(okRoute);
    const pub = sessionFor(cloud);
    assert.equal(await pub.endpoint('database'), `${cloud.server.url}/public/trove/v1.0/${PROJECT_ID}`);
    const r = await pub.request<{ path: string }>('database', 'GET', '/datastores');
    assert.equal(r.body.path, `/public/trove/v1.0/${PROJECT_ID}/datastores`);
    assert.equal(r.requestId, 'req-svc');
    const internal = sessionFor(cloud, { interface: 'internal' });
    assert.equal(await internal.endpoint('object-store'), `${cloud.server.url}/internal/swift/v1/AUTH_${PROJECT_ID}`);
  });

  it('sends the token as X-Auth-Token and reuses it until it nears expiry', async () => {
    let now = 1_000_000;
    cloud = await startFakeCloud(okRoute, { lifetimeSeconds: 3600 });
    const s = sessionFor(cloud, { now: () => now, expiryMarginMs: 120_000 });
    await s.request('database', 'GET', 'instances');
    now += 3_000_000; // 50 min later: 10 min left, more than the margin
    await s.request('database', 'GET', 'instances');
    assert.equal(cloud.authRequests().length, 1);
    assert.deepEqual(
      cloud.serviceRequests().map((r) => r.headers['x-auth-token']),
      [cloud.keystone.issued[0], cloud.keystone.issued[0]],
    );
    now += 500_000; // 1 min 40 s left: inside the margin
    await s.request('database', 'GET', 'instances');
    assert.equal(cloud.authRequests().length, 2);
    assert.equal(cloud.serviceRequests()[2]!.headers['x-auth-token'], cloud.keystone.issued[1]);
  });

  it('measures token lifetime from Keystone timestamps, so a skewed site clock does not matter', async () => {
    const fiveHoursAhead = () => new Date(Date.now() + 5 * 3600_000);
    cloud = await startFakeCloud(okRoute, { serverNow: fiveHoursAhead, lifetimeSeconds: 3600 });
    const s = sessionFor(cloud);
    await s.request('database', 'GET', 'a');
    await s.request('database', 'GET', 'b');
    assert.equal(cloud.authRequests().length, 1);
    const t = await s.token();
    const left = t.expiresAt.getTime() - Date.now();
    assert.ok(left > 3500_000 && left <= 3600_000, `${left} ms left`);
  });

  it('re-authenticates once and repeats the request when a service answers 401', async () => {
    cloud = await startFakeCloud(okRoute);
    const s = sessionFor(cloud);
    await s.request('database', 'GET', 'instances');
    cloud.keystone.revoked.add(cloud.keystone.issued[0]!); // e.g. fernet keys rotated on the site
    const r = await s.request<{ path: string }>('database', 'POST', 'instances', { json: { instance: { name: 'db1' } } });
    assert.equal(r.status, 200);
    assert.equal(cloud.authRequests().length, 2);
    const posts = cloud.serviceRequests().filter((q) => q.method === 'POST');
    assert.equal(posts.length, 2, 'the refused POST is repeated once with the fresh token');
    assert.equal(posts[1]!.headers['x-auth-token'], cloud.keystone.issued[1]);
    assert.equal(posts[1]!.body, posts[0]!.body);
  });

  it('gives up with the 401 when the fresh token is refused too (no loop)', async () => {
    cloud = await startFakeCloud((_req, res) => sendJson(res, 401, { error: { code: 401, message: 'nope' } }));
    const s = sessionFor(cloud);
    const e = await rejection(s.request('database', 'GET', 'instances'));
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 401);
    assert.match(e.service, /database \(tenant\)/);
    assert.equal(cloud.authRequests().length, 2);
    assert.equal(cloud.serviceRequests().length, 2);
  });

  it('shares one authentication between concurrent requests', async () => {
    cloud = await startFakeCloud(okRoute);
    const s = sessionFor(cloud);
    await Promise.all([1, 2, 3, 4, 5].map((i) => s.request('database', 'GET', `i${i}`)));
    assert.equal(cloud.authRequests().length, 1);
  });

  it('explains a catalog miss with what the catalog has', async () => {
    cloud = await startFakeCloud(okRoute);
    const s = sessionFor(cloud);
    const e = await rejection(s.request('compute', 'GET', 'servers'));
    assert.ok(e instanceof CatalogError);
    assert.deepEqual(e.query, { serviceType: 'compute', interface: 'public', region: 'RegionOne' });
    assert.match(e.message, /^tenant session: no public endpoint of service type "compute" in region RegionOne/);
    assert.match(e.message, /compute "nova" \(public@RegionTwo\)/);
    assert.match(e.message, /database "trove" \(public@RegionOne, internal@RegionOne, admin@RegionOne\)/);
    assert.match(e.message, /keystone\.region and keystone\.interface/);
    const unknown = await rejection(s.endpoint('volumev3'));
    assert.match(unknown.message, /service type "volumev3"/);
    assert.equal(cloud.serviceRequests().length, 0, 'nothing is sent to a service that was not found');
  });

  it('reports refused credentials as a keystone error that names them but never the password', async () => {
    cloud = await startFakeCloud(okRoute);
    const s = sessionFor(cloud, { name: 'admin', credentials: { ...CREDENTIALS, password: 'wrong-password-x' } });
    const e = await rejection(s.request('database', 'GET', 'instances'));
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 401);
    assert.match(e.message, /^keystone \(admin credentials\): POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens -> HTTP 401/);
    assert.ok(!e.message.includes('wrong-password-x'));
  });

  it('accepts the Keystone URL with or without /v3', () => {
    assert.equal(v3Url('http://198.18.0.10:5000'), 'http://198.18.0.10:5000/v3');
    assert.equal(v3Url('http://198.18.0.10:5000/'), 'http://198.18.0.10:5000/v3');
    assert.equal(v3Url('http://198.18.0.10:5000/v3/'), 'http://198.18.0.10:5000/v3');
    assert.equal(v3Url('https://keystone.example/identity/v3'), 'https://keystone.example/identity/v3');
  });

  describe('openSessions(env)', () => {
    const savedEnv = { ...process.env };
    afterEach(() => {
      process.env = { ...savedEnv };
    });

    function environment(keystoneUrl: string, httpRequestMs = 2000) {
      const admin = { username: 'admin', password: { env: 'TROVE_HA_TEST_ADMIN_PW' }, project: 'admin' };
      const tenant = { username: CREDENTIALS.username, password: { env: 'TROVE_HA_TEST_TENANT_PW' }, project: CREDENTIALS.project };
      return environmentSchema.parse({
        name: 'test',
        destructive: false,
        keystone: { url: keystoneUrl, admin, tenant },
        nodes: {},
        services: { unused: { driver: 'signal', instances: {} } },
        trove: { datastore: 'mysql', datastoreVersion: '5.7.29', flavor: 'x', services: { api: 'unused', taskmanager: 'unused', conductor: 'unused' } },
        timeouts: { httpRequestMs },
      });
    }

    it('opens an admin and a tenant session from one environment, secrets resolved, nothing leaked into summaries', async () => {
      cloud = await startFakeCloud(okRoute);
      process.env.TROVE_HA_TEST_ADMIN_PW = 'admin-pw-7c1x';
      process.env.TROVE_HA_TEST_TENANT_PW = CREDENTIALS.password;
      const summaries: ExchangeSummary[] = [];
      const { admin, tenant } = openSessions(environment(cloud.server.url), { onExchange: (s) => summaries.push(s) });
      assert.equal(admin.name, 'admin');
      assert.equal(tenant.name, 'tenant');
      assert.equal(tenant.authUrl, `${cloud.server.url}/v3`);
      await tenant.request('database', 'GET', 'instances');
      await rejection(admin.token()); // the fake has no admin user: a 401 with its summary
      const all = JSON.stringify(summaries);
      for (const secret of ['admin-pw-7c1x', CREDENTIALS.password, ...cloud.keystone.issued]) assert.ok(!all.includes(secret), `${secret.slice(0, 4)}… leaked`);
      assert.deepEqual(summaries.map((s) => [s.service, s.status]), [
        ['keystone (tenant credentials)', 201],
        ['database (tenant)', 200],
        ['keystone (admin credentials)', 401],
      ]);
    });

    it('takes the request timeout from the environment', async () => {
      cloud = await startFakeCloud(() => {
        /* a service that never answers */
      });
      process.env.TROVE_HA_TEST_ADMIN_PW = 'x';
      process.env.TROVE_HA_TEST_TENANT_PW = CREDENTIALS.password;
      const { tenant } = openSessions(environment(cloud.server.url, 100), { retry: { retries: 0 } });
      const started = Date.now();
      const e = await rejection(tenant.request('database', 'GET', 'instances'));
      assert.ok(e instanceof HttpError);
      assert.equal(e.code, 'ETIMEDOUT');
      assert.ok(Date.now() - started < 1500);
    });

    it('names keystone.caFile when the CA bundle cannot be read', () => {
      process.env.TROVE_HA_TEST_ADMIN_PW = 'x';
      process.env.TROVE_HA_TEST_TENANT_PW = 'y';
      const env = environment('https://127.0.0.1:9/v3');
      env.keystone.caFile = '/nonexistent/trove-ha-ca.pem';
      assert.throws(() => openSessions(env), (e: unknown) => e instanceof ConfigError && /^keystone\.caFile: cannot read the CA bundle \/nonexistent\/trove-ha-ca\.pem \(ENOENT\)/.test(e.message));
    });

    it('names the environment field when a password reference cannot be resolved', () => {
      delete process.env.TROVE_HA_TEST_ADMIN_PW;
      assert.throws(() => openSessions(environment('http://127.0.0.1:9/v3')), /keystone\.admin\.password/);
    });
  });
});
