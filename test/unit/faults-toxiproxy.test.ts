import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/env/errors.ts';
import { faultContext, healJournal, Injector, linkDown, linkToxic } from '../../lib/faults/index.ts';
import { faultEnvironment } from '../support/fault-environment.ts';
import { sendJson, startLoopbackServer, type LoopbackServer } from '../support/loopback-http.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

/** The part of toxiproxy's HTTP API the link faults use, with its state in memory. */
function fakeToxiproxy() {
  const proxy = { name: 'galera', listen: '127.0.0.1:23306', upstream: '127.0.0.1:3306', enabled: true, toxics: [] as Array<Record<string, unknown>> };
  return {
    proxy,
    start: () =>
      startLoopbackServer((req, res) => {
        const [, , name, , toxic] = req.url.split('/'); // /proxies/<name>/toxics/<toxic>
        if (name !== proxy.name) return sendJson(res, 404, { error: 'proxy not found', status: 404 });
        if (req.method === 'GET' && !toxic && !req.url.endsWith('/toxics')) return sendJson(res, 200, proxy);
        if (req.method === 'POST' && req.url === `/proxies/${name}`) {
          Object.assign(proxy, JSON.parse(req.body));
          return sendJson(res, 200, proxy);
        }
        if (req.method === 'POST' && req.url === `/proxies/${name}/toxics`) {
          const t = JSON.parse(req.body) as Record<string, unknown>;
          proxy.toxics.push(t);
          return sendJson(res, 200, t);
        }
        const found = proxy.toxics.find((t) => t.name === toxic);
        if (!found) return sendJson(res, 404, { error: 'toxic not found', status: 404 });
        if (req.method === 'GET') return sendJson(res, 200, found);
        if (req.method === 'DELETE') {
          proxy.toxics.splice(proxy.toxics.indexOf(found), 1);
          res.writeHead(204).end();
          return;
        }
        sendJson(res, 405, {});
      }),
  };
}

describe('toxiproxy link faults', () => {
  let server: LoopbackServer;
  let fake: ReturnType<typeof fakeToxiproxy>;
  let dir = '';
  beforeEach(async () => {
    fake = fakeToxiproxy();
    server = await fake.start();
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-toxi-'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a named latency toxic and removes exactly it; removing again is fine', async () => {
    const ctx = faultContext(faultEnvironment({ toxiproxyUrl: server.url }), new RecordingRemote());
    const fault = linkToxic(ctx, 'galera', { type: 'latency', latencyMs: 300, jitterMs: 50 }, { stream: 'upstream' });
    assert.deepEqual((await fault.prepare()).action, { op: 'toxic-remove', proxy: 'galera', toxic: fault.id });
    fake.proxy.toxics.push({ name: 'someone-elses', type: 'timeout' });
    await fault.inject();
    assert.deepEqual(fake.proxy.toxics.at(-1), { name: fault.id, type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 300, jitter: 50 } });
    await fault.heal();
    await fault.heal();
    assert.deepEqual(fake.proxy.toxics.map((t) => t.name), ['someone-elses']);
  });

  it('maps timeout, reset_peer and bandwidth onto toxiproxy attributes', async () => {
    const ctx = faultContext(faultEnvironment({ toxiproxyUrl: server.url }), new RecordingRemote());
    for (const t of [{ type: 'timeout', timeoutMs: 0 }, { type: 'reset_peer', timeoutMs: 100 }, { type: 'bandwidth', rateKBps: 10 }] as const) {
      const f = linkToxic(ctx, 'galera', t);
      await f.prepare();
      await f.inject();
    }
    assert.deepEqual(fake.proxy.toxics.map((t) => [t.type, t.attributes]), [['timeout', { timeout: 0 }], ['reset_peer', { timeout: 100 }], ['bandwidth', { rate: 10 }]]);
    assert.throws(() => linkToxic(ctx, 'galera', { type: 'latency', latencyMs: -1 }), ConfigError);
  });

  it('down disables the proxy; the journal replay enables it', async () => {
    const journal = join(dir, 'j.jsonl');
    const env = faultEnvironment({ toxiproxyUrl: server.url });
    const ctx = faultContext(env, new RecordingRemote());
    await new Injector(ctx, { journalPath: journal }).inject(linkDown(ctx, 'galera'));
    assert.equal(fake.proxy.enabled, false);
    const report = await healJournal(env, new RecordingRemote(), { path: journal });
    assert.equal(report.healed.length, 1);
    assert.equal(fake.proxy.enabled, true);
    assert.equal(fake.proxy.listen, '127.0.0.1:23306', 'listen and upstream are kept');
  });

  it('needs a toxiproxy in the environment, and says so at creation', () => {
    const ctx = faultContext(faultEnvironment(), new RecordingRemote());
    assert.throws(() => linkDown(ctx, 'galera'), (e: unknown) => e instanceof ConfigError && /declares no toxiproxy/.test(e.message));
    assert.throws(() => linkToxic(ctx, 'galera', { type: 'timeout', timeoutMs: 1 }), ConfigError);
  });

  it('bounds a toxiproxy that does not answer', async () => {
    const silent = await startLoopbackServer(() => new Promise(() => undefined));
    try {
      const ctx = faultContext(faultEnvironment({ toxiproxyUrl: silent.url }), new RecordingRemote(), { toxiproxyTimeoutMs: 200 });
      const fault = linkDown(ctx, 'galera');
      await fault.prepare();
      await assert.rejects(fault.inject(), /no answer within 200 ms/);
    } finally {
      await silent.close();
    }
  });
});
