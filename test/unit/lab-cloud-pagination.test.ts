// Marker paging: the pure helper, and GET /servers/detail?marker=… over HTTP
// as novaclient/trove-api page it (until an empty page; a marker that did not
// move the page forward would make trove-api loop forever).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity, TokenValidator } from '../../lab/cloud/auth.ts';
import { configSchema } from '../../lab/cloud/config.ts';
import { startLabCloud, type LabCloud } from '../../lab/cloud/lab-cloud.ts';
import { MarkerNotFound, paginate } from '../../lab/cloud/pagination.ts';
import { freePort } from '../support/free-port.ts';

const ids = ['a', 'b', 'c', 'd', 'e'];

describe('lab cloud marker pagination', () => {
  it('pages after the marker, exclusive, and says when a next page may exist', () => {
    assert.deepEqual(paginate(ids, (x) => x, undefined, 2), { items: ['a', 'b'], next: 'b' });
    assert.deepEqual(paginate(ids, (x) => x, 'b', 2), { items: ['c', 'd'], next: 'd' });
    assert.deepEqual(paginate(ids, (x) => x, 'd', 2), { items: ['e'] });
    assert.deepEqual(paginate(ids, (x) => x, 'e'), { items: [] });
    assert.deepEqual(paginate(ids, (x) => x), { items: ids });
    assert.throws(() => paginate(ids, (x) => x, 'zz'), MarkerNotFound);
  });

  describe('over HTTP (compute API, stub token validator)', () => {
    let dir = '';
    let lab: LabCloud | undefined;
    let base = '';
    const who: Identity = { token: 'good', userId: 'u1', userName: 'admin', projectId: 'p1', projectName: 'admin', roles: ['admin'], isAdmin: true, expiresAt: Date.now() + 3600_000 };
    const validator: TokenValidator = { validate: async (t) => (t === 'good' ? who : undefined) };
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-auth-token': 'good', 'x-openstack-nova-api-version': '2.12', 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      return { status: r.status, headers: r.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const start = async () => {
      const ports = { compute: await freePort('127.0.0.1'), network: await freePort('127.0.0.1'), image: await freePort('127.0.0.1'), volume: await freePort('127.0.0.1') };
      const config = configSchema.parse({ host: '127.0.0.1', ports, stateDir: dir, keystone: { authUrl: 'http://127.0.0.1:1/v3', username: 'x', password: 'y' } });
      lab = await startLabCloud(config, { validator });
      base = `http://127.0.0.1:${ports.compute}`;
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lab-cloud-page-'));
      await start();
      const flavor = await call('POST', '/v2.1/flavors', { flavor: { name: 'f', ram: 64, vcpus: 1, disk: 0, 'OS-FLV-EXT-DATA:ephemeral': 1 } });
      assert.equal(flavor.status, 200);
      const image = lab!.cloud.store.mutate((s) => {
        s.images.push({ base: { id: '11111111-2222-3333-4444-555555555555', owner: 'p1', status: 'active', visibility: 'private', tags: [] }, properties: {} });
        return s.images[0]!.base.id;
      });
      for (let i = 0; i < 5; i++) {
        const r = await call('POST', '/v2.1/servers', { server: { name: `s${i}`, imageRef: image, flavorRef: (flavor.body.flavor as { id: string }).id, user_data: Buffer.from('#!/bin/sh\n').toString('base64') } });
        assert.equal(r.status, 202, JSON.stringify(r.body));
      }
    });
    after(async () => {
      await lab?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a novaclient-style walk (marker = last id until empty) sees every server exactly once', async () => {
      const seen: string[] = [];
      let marker = '';
      for (let pages = 0; pages < 10; pages++) {
        const r = await call('GET', `/v2.1/servers/detail?limit=2${marker ? `&marker=${marker}` : ''}`);
        const page = r.body.servers as { id: string }[];
        if (!page.length) break;
        seen.push(...page.map((s) => s.id));
        marker = page[page.length - 1]!.id;
        if (page.length === 2) assert.ok(Array.isArray(r.body.servers_links), 'a full page links to the next');
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);
      const all = await call('GET', '/v2.1/servers/detail');
      assert.deepEqual(seen, (all.body.servers as { id: string }[]).map((s) => s.id));
      assert.equal(all.headers.get('x-openstack-nova-api-version'), '2.12');
      assert.match(all.headers.get('x-compute-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
    });

    it('an unknown marker is 400 badRequest, as Nova answers', async () => {
      const r = await call('GET', '/v2.1/servers/detail?marker=nope');
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { badRequest: { code: 400, message: 'marker [nope] not found' } });
    });

    it('no token is 401; a deleted server is 404 itemNotFound; state survives a restart', async () => {
      assert.equal((await fetch(`${base}/v2.1/servers`)).status, 401);
      const list = (await call('GET', '/v2.1/servers')).body.servers as { id: string }[];
      assert.equal((await call('DELETE', `/v2.1/servers/${list[0]!.id}`)).status, 204);
      for (let i = 0; i < 50 && (await call('GET', `/v2.1/servers/${list[0]!.id}`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual((await call('GET', `/v2.1/servers/${list[0]!.id}`)).body, { itemNotFound: { code: 404, message: `Instance ${list[0]!.id} could not be found.` } });
      await lab!.stop();
      await start();
      const after = (await call('GET', '/v2.1/servers/detail')).body.servers as { id: string; status: string }[];
      assert.deepEqual(after.map((s) => s.id), list.slice(1).map((s) => s.id));
      assert.ok(after.every((s) => s.status === 'ACTIVE'));
    });
  });
});
