import assert from 'node:assert/strict';
import { HttpClient } from '../../lib/openstack/http.ts';
import { KeystoneSession } from '../../lib/openstack/keystone.ts';
import { DatabaseClient, troveProjectUrl, userHostId } from '../../lib/openstack/database.ts';
import { ObjectStoreClient } from '../../lib/openstack/object-store.ts';
import { IdentityClient } from '../../lib/openstack/identity.ts';
import { isHttpError } from '../../lib/openstack/http-error.ts';
import { sendJson, type RecordedRequest } from '../support/loopback-http.ts';
import { PROJECT_ID, USER_ID } from '../support/keystone-fixture.ts';
import { CREDENTIALS, startFakeCloud, type FakeCloud, type ServiceRoute } from '../support/fake-openstack.ts';

const TROVE = `/public/trove/v1.0/${PROJECT_ID}`;
const SWIFT = `/public/swift/v1/AUTH_${PROJECT_ID}`;

function session(cloud: FakeCloud): KeystoneSession {
  return new KeystoneSession({
    name: 'tenant',
    authUrl: `${cloud.server.url}/v3`,
    credentials: CREDENTIALS,
    region: 'RegionOne',
    interface: 'public',
    http: new HttpClient({ timeoutMs: 2000, retry: { retries: 0 } }),
  });
}

/** The trove-api answer to an instance create/show, as InstanceDetailView renders it. */
function instanceDetail(id: string, status = 'BUILD') {
  const link = (p: string) => [
    { href: `https://127.0.0.1:8779/v1.0/${PROJECT_ID}/${p}`, rel: 'self' },
    { href: `https://127.0.0.1:8779/${p}`, rel: 'bookmark' },
  ];
  return {
    id,
    name: 'db1',
    status,
    operating_status: '',
    links: link(`instances/${id}`),
    flavor: { id: '1', links: link('flavors/1') },
    datastore: { type: 'mysql', version: '5.7.29', version_number: '5.7.29' },
    region: 'RegionOne',
    access: {},
    created: '2025-11-22T01:00:00',
    updated: '2025-11-22T01:00:00',
    service_status_updated: '2025-11-22T01:00:00',
  };
}

describe('openstack thin clients', () => {
  let cloud: FakeCloud | undefined;
  afterEach(async () => {
    await cloud?.close();
    cloud = undefined;
  });

  describe('database (Trove v1.0)', () => {
    it('addresses /v1.0/{project_id}/... without doubling the project id Keystone put in the catalog URL', () => {
      assert.equal(troveProjectUrl(`http://h:8779/v1.0/${PROJECT_ID}`, PROJECT_ID), `http://h:8779/v1.0/${PROJECT_ID}`);
      assert.equal(troveProjectUrl(`http://h:8779/v1.0/${PROJECT_ID}/`, PROJECT_ID), `http://h:8779/v1.0/${PROJECT_ID}`);
      assert.equal(troveProjectUrl('http://h:8779/v1.0', PROJECT_ID), `http://h:8779/v1.0/${PROJECT_ID}`);
      assert.equal(troveProjectUrl('http://h:8779/', PROJECT_ID), `http://h:8779/v1.0/${PROJECT_ID}`);
    });

    it('quotes a user id as python-troveclient does (name@host, dots as %2e)', () => {
      assert.equal(userHostId('app'), 'app');
      assert.equal(userHostId('app', '%'), 'app%40%25');
      assert.equal(userHostId('app', '10.0.0.%'), 'app%4010%2e0%2e0%2e%25');
    });

    it('creates an instance with the request body Trove validates and returns the detail view', async () => {
      cloud = await startFakeCloud((req, res) => sendJson(res, 200, { instance: instanceDetail('i-1') }));
      const db = new DatabaseClient(session(cloud));
      const created = await db.createInstance({ name: 'db1', flavorRef: '1', datastore: { type: 'mysql', version: '5.7.29' }, nics: [{ 'net-id': 'n1' }] });
      assert.equal(created.id, 'i-1');
      assert.equal(created.status, 'BUILD');
      const req = cloud.serviceRequests()[0]!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, `${TROVE}/instances`);
      assert.deepEqual(JSON.parse(req.body), { instance: { name: 'db1', flavorRef: '1', datastore: { type: 'mysql', version: '5.7.29' }, nics: [{ 'net-id': 'n1' }] } });
    });

    it('follows Trove pages (links rel=next ?marker=) to list every instance', async () => {
      const route: ServiceRoute = (req, res) => {
        const marker = new URL(req.url, 'http://x').searchParams.get('marker');
        if (!marker) sendJson(res, 200, { instances: [instanceDetail('a'), instanceDetail('b')], links: [{ rel: 'next', href: `https://trove:8779/v1.0/${PROJECT_ID}/instances?marker=b` }] });
        else if (marker === 'b') sendJson(res, 200, { instances: [instanceDetail('c')] });
        else sendJson(res, 500, {});
      };
      cloud = await startFakeCloud(route);
      const db = new DatabaseClient(session(cloud));
      assert.deepEqual((await db.listInstances()).map((i) => i.id), ['a', 'b', 'c']);
      assert.deepEqual(cloud.serviceRequests().map((r) => r.url), [`${TROVE}/instances`, `${TROVE}/instances?marker=b`]);
    });

    it('stops when Trove repeats the same marker instead of looping forever', async () => {
      cloud = await startFakeCloud((_req, res) => sendJson(res, 200, { users: [{ name: 'u', host: '%', databases: [] }], links: [{ rel: 'next', href: 'http://t/x?marker=u' }] }));
      const db = new DatabaseClient(session(cloud));
      assert.equal((await db.listUsers('i-1')).length, 2);
      assert.equal(cloud.serviceRequests().length, 2);
    });

    it('sends databases, users, backups and configuration groups in Trove\'s shapes to Trove\'s paths', async () => {
      const answers: Record<string, [number, unknown?]> = {
        [`POST ${TROVE}/instances/i-1/databases`]: [202],
        [`POST ${TROVE}/instances/i-1/users`]: [202],
        [`DELETE ${TROVE}/instances/i-1/users/app%40%25`]: [202],
        [`DELETE ${TROVE}/instances/i-1/databases/shop`]: [202],
        [`POST ${TROVE}/backups`]: [202, { backup: { id: 'b-1', name: 'nightly', status: 'NEW', instance_id: 'i-1' } }],
        [`GET ${TROVE}/backups?instance_id=i-1`]: [200, { backups: [{ id: 'b-1', status: 'COMPLETED' }] }],
        [`POST ${TROVE}/configurations`]: [200, { configuration: { id: 'c-1', values: { max_connections: 200 }, instance_count: 0 } }],
        [`PUT ${TROVE}/instances/i-1`]: [202],
        [`DELETE ${TROVE}/instances/i-1`]: [202],
        [`GET ${TROVE}/datastores`]: [200, { datastores: [{ id: 'd', name: 'mysql', links: [], versions: [{ id: 'v', name: '5.7.29', version: '5.7.29', links: [] }], default_version: 'v' }] }],
      };
      cloud = await startFakeCloud((req: RecordedRequest, res) => {
        const a = answers[`${req.method} ${req.url}`];
        if (!a) return sendJson(res, 404, { itemNotFound: { message: `no route ${req.method} ${req.url}`, code: 404 } });
        if (a[1] === undefined) {
          res.writeHead(a[0]);
          res.end();
        } else sendJson(res, a[0], a[1]);
      });
      const db = new DatabaseClient(session(cloud));
      await db.createDatabases('i-1', [{ name: 'shop', character_set: 'utf8mb4' }]);
      await db.createUsers('i-1', [{ name: 'app', password: 'app-pw', host: '%', databases: [{ name: 'shop' }] }]);
      await db.deleteUser('i-1', 'app', '%');
      await db.deleteDatabase('i-1', 'shop');
      const backup = await db.createBackup({ name: 'nightly', instance: 'i-1', incremental: 0 });
      assert.equal(backup.id, 'b-1');
      assert.deepEqual((await db.listBackups({ instanceId: 'i-1' })).map((b) => b.status), ['COMPLETED']);
      const cfg = await db.createConfiguration({ name: 'c', values: { max_connections: 200 }, datastore: { type: 'mysql', version: '5.7.29' } });
      assert.equal(cfg.id, 'c-1');
      await db.setConfiguration('i-1', 'c-1');
      await db.setConfiguration('i-1', null);
      await db.deleteInstance('i-1');
      assert.equal((await db.listDatastores())[0]!.versions[0]!.name, '5.7.29');

      const bodies = cloud.serviceRequests().filter((r) => r.body).map((r) => JSON.parse(r.body));
      assert.deepEqual(bodies, [
        { databases: [{ name: 'shop', character_set: 'utf8mb4' }] },
        { users: [{ name: 'app', password: 'app-pw', host: '%', databases: [{ name: 'shop' }] }] },
        { backup: { name: 'nightly', instance: 'i-1', incremental: 0 } },
        { configuration: { name: 'c', values: { max_connections: 200 }, datastore: { type: 'mysql', version: '5.7.29' } } },
        { instance: { configuration: 'c-1' } },
        { instance: { configuration: null } },
      ]);
    });

    it('surfaces a Trove error as an HttpError naming the database service', async () => {
      cloud = await startFakeCloud((_req, res) => sendJson(res, 404, { itemNotFound: { message: 'The resource could not be found.', code: 404 } }));
      const db = new DatabaseClient(session(cloud));
      await assert.rejects(db.showInstance('nope'), (e: unknown) => isHttpError(e, 404) && /^database \(tenant\): GET .*\/instances\/nope -> HTTP 404/.test(e.message));
    });
  });

  describe('object-store (Swift)', () => {
    it('creates, fills, lists, reads, heads and empties a container under the account of the catalog', async () => {
      const objects = new Map<string, { body: string; type: string }>();
      cloud = await startFakeCloud((req, res) => {
        const u = new URL(req.url, 'http://x');
        const path = decodeURIComponent(u.pathname.slice(SWIFT.length + 1));
        const [container, ...rest] = path.split('/');
        const name = rest.join('/');
        if (!name) {
          if (req.method === 'GET') {
            const list = [...objects.entries()].filter(([k]) => k.startsWith(u.searchParams.get('prefix') ?? '')).map(([k, v]) => ({ name: k, hash: 'h', bytes: v.body.length, content_type: v.type, last_modified: '2025-11-22T01:00:00.000000' }));
            return sendJson(res, 200, list);
          }
          res.writeHead(req.method === 'PUT' ? 201 : 204);
          return res.end();
        }
        assert.equal(container, 'backups');
        if (req.method === 'PUT') {
          objects.set(name, { body: req.body, type: String(req.headers['content-type']) });
          res.writeHead(201, { etag: 'e1' });
          return res.end();
        }
        const o = objects.get(name);
        if (!o) {
          res.writeHead(404);
          return res.end();
        }
        if (req.method === 'DELETE') {
          objects.delete(name);
          res.writeHead(204);
          return res.end();
        }
        res.writeHead(200, { 'content-type': o.type, 'content-length': String(o.body.length), etag: 'e1', 'x-object-meta-origin': 'probe' });
        res.end(req.method === 'HEAD' ? undefined : o.body);
      });
      const swift = new ObjectStoreClient(session(cloud));
      await swift.createContainer('backups');
      assert.deepEqual(await swift.putObject('backups', 'dir/a b.txt', 'hello', 'text/plain'), { etag: 'e1' });
      assert.deepEqual((await swift.listContainer('backups', { prefix: 'dir/' })).map((o) => o.name), ['dir/a b.txt']);
      const got = await swift.getObject('backups', 'dir/a b.txt');
      assert.equal(got.body.toString(), 'hello');
      assert.equal(got.contentType, 'text/plain');
      const head = await swift.headObject('backups', 'dir/a b.txt');
      assert.deepEqual(head, { contentLength: 5, contentType: 'text/plain', etag: 'e1', lastModified: undefined, metadata: { origin: 'probe' } });
      await swift.deleteObject('backups', 'dir/a b.txt');
      await assert.rejects(swift.headObject('backups', 'dir/a b.txt'), (e: unknown) => isHttpError(e, 404));
      await swift.deleteContainer('backups');
      const urls = cloud.serviceRequests().map((r) => `${r.method} ${r.url}`);
      assert.equal(urls[0], `PUT ${SWIFT}/backups`);
      assert.equal(urls[1], `PUT ${SWIFT}/backups/dir/a%20b.txt`);
      assert.match(urls[2]!, new RegExp(`^GET ${SWIFT}/backups\\?format=json&limit=10000&prefix=dir%2F$`));
      assert.equal(urls.at(-1), `DELETE ${SWIFT}/backups`);
    });
  });

  describe('identity', () => {
    it('issues a token and lists projects and users through the configured Keystone URL', async () => {
      cloud = await startFakeCloud((req, res) => {
        if (req.url.startsWith('/v3/projects')) sendJson(res, 200, { projects: [{ id: PROJECT_ID, name: 'trove-ha-tenant' }], links: { self: '', next: null, previous: null } });
        else if (req.url.startsWith('/v3/users')) sendJson(res, 200, { users: [{ id: USER_ID, name: 'trove-ha-tenant' }], links: {} });
        else sendJson(res, 404, {});
      });
      const id = new IdentityClient(session(cloud));
      const t = await id.issueToken();
      assert.equal(t.id, cloud.keystone.issued[0]);
      assert.equal(t.projectId, PROJECT_ID);
      assert.equal(t.userId, USER_ID);
      assert.ok(t.expires.getTime() > Date.now());
      assert.deepEqual((await id.listProjects({ name: 'trove-ha-tenant' })).map((p) => p.id), [PROJECT_ID]);
      assert.deepEqual((await id.listUsers()).map((u) => u.id), [USER_ID]);
      assert.deepEqual(cloud.serviceRequests().map((r) => r.url), ['/v3/projects?name=trove-ha-tenant', '/v3/users']);
    });
  });
});
