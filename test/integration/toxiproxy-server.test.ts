// The lab's toxiproxy server (lab/toxiproxy) driven as the harness drives
// Shopify's: through toxiproxy-node-client over HTTP, with real TCP traffic
// through the proxy and the toxics' effect measured on it.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Toxiproxy } from 'toxiproxy-node-client';
import { ToxiproxyServer } from '../../lab/toxiproxy/api.ts';
import { exchange, startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { freePort } from '../support/free-port.ts';

const ROOT = join(fileURLToPath(import.meta.url), '../../..');

describe('lab toxiproxy server (toxiproxy 2.x API, real TCP)', function () {
  this.timeout(20_000);
  let echo: EchoServer;
  let server: ToxiproxyServer;
  let api: string;
  let client: Toxiproxy;
  let listenPort: number;
  const listen = () => `127.0.0.1:${listenPort}`;

  before(async () => {
    echo = await startEchoServer();
  });
  after(async () => echo.close());
  beforeEach(async () => {
    server = new ToxiproxyServer();
    api = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    client = new Toxiproxy(api);
    listenPort = await freePort('127.0.0.1');
  });
  afterEach(async () => server.close());

  const raw = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), text, json: text && res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : undefined };
  };
  const echoProxy = () => client.createProxy({ name: 'echo', listen: listen(), upstream: `127.0.0.1:${echo.port}` });

  describe('API', () => {
    it('creates, shows, lists, updates and deletes proxies with toxiproxy status codes and bodies', async () => {
      const created = await raw('POST', '/proxies', { name: 'echo', listen: listen(), upstream: `127.0.0.1:${echo.port}` });
      assert.equal(created.status, 201);
      assert.deepEqual(created.json, { name: 'echo', listen: listen(), upstream: `127.0.0.1:${echo.port}`, enabled: true, toxics: [] });
      const dup = await raw('POST', '/proxies', { name: 'echo', listen: listen(), upstream: 'x:1' });
      assert.deepEqual([dup.status, dup.json], [409, { error: 'proxy already exists', status: 409 }]);
      assert.deepEqual((await raw('POST', '/proxies', { name: 'x' })).json, { error: 'missing required field: upstream', status: 400 });
      assert.equal((await raw('POST', '/proxies', '{nope')).status, 400);
      assert.match((await raw('POST', '/proxies', '{nope')).json.error, /^bad request body: /);
      assert.deepEqual((await raw('GET', '/proxies/nope')).json, { error: 'proxy not found', status: 404 });
      assert.deepEqual(Object.keys(await client.getAll()), ['echo']);
      const p = await client.get('echo');
      assert.equal(p.enabled, true);
      const down = await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      assert.equal(down.enabled, false);
      assert.equal((await raw('GET', '/proxies/echo')).json.enabled, false);
      assert.equal((await raw('DELETE', '/proxies/echo')).status, 204);
      assert.equal((await raw('DELETE', '/proxies/echo')).status, 404);
      const v = await raw('GET', '/version');
      assert.equal(v.status, 200);
      assert.match(v.text, /^2\.\d+\.\d+$/);
      assert.equal(await client.getVersion(), v.text);
      assert.equal((await raw('GET', '/nowhere')).status, 404);
    });

    it('creates, shows, updates and removes toxics; rejects bad ones as toxiproxy does', async () => {
      const p = await echoProxy();
      const t = await p.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } } as never);
      assert.equal(t.name, 'latency_downstream'); // toxiproxy's default name: <type>_<stream>
      const shown = await raw('GET', '/proxies/echo/toxics/latency_downstream');
      assert.deepEqual(shown.json, { name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
      assert.deepEqual((await raw('POST', '/proxies/echo/toxics', { type: 'latency' })).json, { error: 'toxic already exists', status: 409 });
      assert.deepEqual((await raw('POST', '/proxies/echo/toxics', { type: 'nope' })).json, { error: 'invalid toxic type', status: 400 });
      assert.deepEqual((await raw('POST', '/proxies/echo/toxics', { type: 'timeout', stream: 'sideways' })).json, {
        error: 'stream was invalid, can be either upstream or downstream',
        status: 400,
      });
      const up = await raw('POST', '/proxies/echo/toxics/latency_downstream', { attributes: { jitter: 5 } });
      assert.deepEqual([up.status, up.json.attributes], [200, { latency: 100, jitter: 5 }]);
      assert.equal((await raw('GET', '/proxies/echo')).json.toxics.length, 1);
      assert.deepEqual((await raw('GET', '/proxies/echo/toxics')).json.map((x: { name: string }) => x.name), ['latency_downstream']);
      await (await p.getToxic('latency_downstream')).remove();
      assert.deepEqual((await raw('GET', '/proxies/echo/toxics/latency_downstream')).json, { error: 'toxic not found', status: 404 });
      assert.deepEqual((await raw('DELETE', '/proxies/echo/toxics/latency_downstream')).json, { error: 'toxic not found', status: 404 });
    });

    it('populate creates or replaces, keeps an unchanged proxy with its toxics; reset enables all and removes every toxic', async () => {
      const p = await echoProxy();
      await p.addToxic({ name: 'slow', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 10, jitter: 0 } } as never);
      const other = await freePort('127.0.0.1');
      const populated = await client.populate([
        { name: 'echo', listen: listen(), upstream: `127.0.0.1:${echo.port}` },
        { name: 'second', listen: `127.0.0.1:${other}`, upstream: `127.0.0.1:${echo.port}` },
      ] as never);
      assert.deepEqual(Object.keys(populated).sort(), ['echo', 'second']);
      assert.equal((await raw('GET', '/proxies/echo')).json.toxics.length, 1, 'unchanged proxy keeps its toxic');
      assert.equal((await exchange(other)).received, 16, 'the populated proxy carries traffic');
      await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      await client.reset();
      const after = await raw('GET', '/proxies');
      assert.deepEqual(
        Object.values(after.json as Record<string, { enabled: boolean; toxics: unknown[] }>).map((x) => [x.enabled, x.toxics.length]),
        [
          [true, 0],
          [true, 0],
        ],
      );
      assert.equal((await raw('POST', '/populate', { name: 'x' })).status, 400);
    });

    it('runs as a daemon with toxiproxy-server flags and a --config file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'toxiproxy-'));
      const cfg = join(dir, 'proxies.json');
      writeFileSync(cfg, JSON.stringify([{ name: 'echo', listen: listen(), upstream: `127.0.0.1:${echo.port}` }]));
      const port = await freePort('127.0.0.1');
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lab/toxiproxy/main.ts'), '-host', '127.0.0.1', '-port', String(port), '-config', cfg], { cwd: ROOT });
      try {
        const ready = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('toxiproxy ready')) resolve(out);
          });
          child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
          setTimeout(() => reject(new Error(`no ready line within 15 s: ${out}`)), 15_000);
        });
        assert.match(ready, /proxies=echo/);
        assert.equal((await new Toxiproxy(`http://127.0.0.1:${port}`).get('echo')).upstream, `127.0.0.1:${echo.port}`);
        assert.equal((await exchange(listenPort)).received, 16);
      } finally {
        child.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('toxics on real traffic', () => {
    it('passes traffic untouched without toxics', async () => {
      await echoProxy();
      const r = await exchange(listenPort, 64 * 1024);
      assert.equal(r.received, 64 * 1024);
      assert.ok(r.ms! < 200, `round trip ${r.ms} ms`);
    });

    it('latency (downstream, then upstream too) adds at least the configured delay to a round trip', async () => {
      const p = await echoProxy();
      const base = (await exchange(listenPort)).ms!;
      await p.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } } as never);
      const down = (await exchange(listenPort)).ms!;
      assert.ok(down >= 300 && down < 300 + base + 150, `downstream 300 ms: round trip ${down.toFixed(1)} ms (base ${base.toFixed(1)})`);
      await p.addToxic({ type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 200, jitter: 0 } } as never);
      const both = (await exchange(listenPort)).ms!;
      assert.ok(both >= 500 && both < 500 + base + 150, `both ways 500 ms: round trip ${both.toFixed(1)} ms`);
    });

    it('latency jitter stays within latency ± jitter', async () => {
      const p = await echoProxy();
      await p.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 100 } } as never);
      const times = [];
      for (let i = 0; i < 6; i++) times.push((await exchange(listenPort)).ms!);
      for (const t of times) assert.ok(t >= 100 && t < 300 + 100, `round trip ${t.toFixed(1)} ms outside 200 ± 100`);
    });

    it('a removed latency toxic releases the held data at once', async () => {
      const p = await echoProxy();
      const t = await p.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5000, jitter: 0 } } as never);
      const pending = exchange(listenPort, 16, 4000);
      setTimeout(() => void t.remove(), 300);
      const r = await pending;
      assert.ok(r.ms! >= 300 && r.ms! < 1500, `released after ${r.ms} ms`);
    });

    it('toxicity 0 leaves every connection alone', async () => {
      const p = await echoProxy();
      await p.addToxic({ type: 'latency', stream: 'downstream', toxicity: 0, attributes: { latency: 1000, jitter: 0 } } as never);
      assert.ok((await exchange(listenPort)).ms! < 500);
    });

    it('timeout stops all data and closes the connection after the timeout; timeout 0 holds data until removed', async () => {
      const p = await echoProxy();
      const t = await p.addToxic({ type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 600 } } as never);
      const r = await exchange(listenPort, 16, 3000);
      assert.equal(r.received, 0, 'no data through a timeout toxic');
      assert.equal(r.end, 'closed');
      assert.ok(r.endMs! >= 550 && r.endMs! < 1500, `closed after ${r.endMs} ms (timeout 600)`);
      await t.remove();
      await p.addToxic({ name: 'hold', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } } as never);
      const held = exchange(listenPort, 16, 3000);
      setTimeout(() => void p.getToxic('hold').then((x) => x.remove()), 800);
      const h = await held;
      assert.ok(h.ms! >= 750, `data held until the toxic went: ${h.ms} ms`);
      assert.equal(h.received, 16);
    });

    it('reset_peer resets the connection (ECONNRESET) its timeout after data reaches it', async () => {
      const p = await echoProxy();
      await p.addToxic({ type: 'reset_peer', stream: 'upstream', toxicity: 1, attributes: { timeout: 300 } } as never);
      const r = await exchange(listenPort, 16, 3000, { untilEnd: true });
      assert.equal(r.received, 0, 'the data that met the toxic is dropped');
      assert.equal(r.end, 'ECONNRESET');
      assert.ok(r.endMs! >= 250 && r.endMs! < 1500, `reset after ${r.endMs} ms`);
    });

    it('bandwidth paces data to the rate (KB/s)', async () => {
      const p = await echoProxy();
      await p.addToxic({ type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 100 } } as never);
      const r = await exchange(listenPort, 50_000, 5000);
      assert.equal(r.received, 50_000);
      // 50 000 bytes at 100 KB/s = 500 ms; the first slice goes at once.
      assert.ok(r.ms! >= 400 && r.ms! < 1500, `50 kB at 100 KB/s took ${r.ms} ms`);
    });

    it('slow_close delays the close', async () => {
      const p = await echoProxy();
      const base = await exchange(listenPort, 16, 3000, { endAfterSend: true, untilEnd: true });
      await p.addToxic({ type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 500 } } as never);
      const slow = await exchange(listenPort, 16, 3000, { endAfterSend: true, untilEnd: true });
      assert.equal(slow.received, 16);
      assert.ok(slow.endMs! >= base.endMs! + 450, `close after ${slow.endMs} ms vs ${base.endMs} without the toxic`);
    });

    it('limit_data closes the connection once the bytes have passed', async () => {
      const p = await echoProxy();
      await p.addToxic({ type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 1000 } } as never);
      const r = await exchange(listenPort, 5000, 3000, { untilEnd: true });
      assert.equal(r.received, 1000);
      assert.equal(r.end, 'closed');
    });

    it('a disabled proxy refuses connections and closes open ones; enabled again, it carries traffic', async () => {
      const p = await echoProxy();
      const open = exchange(listenPort, 16, 3000, { untilEnd: true });
      await new Promise((r) => setTimeout(r, 200));
      await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
      assert.equal((await open).end, 'closed');
      assert.equal((await exchange(listenPort)).end, 'ECONNREFUSED');
      await (await client.get('echo')).update({ enabled: true, listen: p.listen, upstream: p.upstream });
      assert.equal((await exchange(listenPort)).received, 16);
    });

    it('closes the client when the upstream is unreachable', async () => {
      const dead = await freePort('127.0.0.1');
      await client.createProxy({ name: 'dead', listen: listen(), upstream: `127.0.0.1:${dead}` });
      const r = await exchange(listenPort);
      assert.equal(r.received, 0);
      assert.notEqual(r.end, 'open');
    });
  });
});
