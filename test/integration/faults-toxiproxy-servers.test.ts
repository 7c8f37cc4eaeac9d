// Link faults over several toxiproxy servers (toxiproxy.servers: one per node
// of a VIP pair), against two lab toxiproxy servers on loopback: the fault
// holds on both, its inverse and the journal replay undo it on both, and the
// environment's proxy list and server names are checked up front.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/env/errors.ts';
import { environmentSchema } from '../../lib/env/schema.ts';
import { faultContext, healJournal, Injector, linkDown, linkToxic } from '../../lib/faults/index.ts';
import { ToxiproxyServer } from '../../lab/toxiproxy/api.ts';
import { exchange, startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { faultEnvironment } from '../support/fault-environment.ts';
import { freePort } from '../support/free-port.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

describe('link faults over several toxiproxy servers', function () {
  this.timeout(20_000);
  let echo: EchoServer;
  let servers: ToxiproxyServer[] = [];
  let urls: Record<string, string> = {};
  let ports: number[] = [];
  let dir = '';

  beforeEach(async () => {
    echo = await startEchoServer();
    servers = [new ToxiproxyServer(), new ToxiproxyServer()];
    urls = {};
    ports = [];
    for (const [i, s] of servers.entries()) {
      urls[`ha${i + 1}`] = `http://127.0.0.1:${await s.listen('127.0.0.1', 0)}`;
      const port = await freePort('127.0.0.1');
      ports.push(port);
      await s.populate([{ name: 'amqp-ctl1', listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${echo.port}` }]);
    }
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-toxi-servers-'));
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => faultEnvironment({ toxiproxy: { servers: urls, proxies: { 'amqp-ctl1': 'guest AMQP to ctl1' } } });

  it('a latency toxic holds on every server and its heal removes it from every one', async () => {
    const ctx = faultContext(env(), new RecordingRemote());
    const injector = new Injector(ctx, { journalPath: join(dir, 'j.jsonl') });
    const fault = linkToxic(ctx, 'amqp-ctl1', { type: 'latency', latencyMs: 250 });
    await injector.inject(fault);
    for (const port of ports) {
      const r = await exchange(port);
      assert.ok(r.ms! >= 250, `through ${port}: ${r.ms} ms`);
    }
    assert.deepEqual(servers.map((s) => s.proxies.get('amqp-ctl1')!.toxics.map((t) => t.name)), [[fault.id], [fault.id]]);
    await injector.heal(fault);
    assert.deepEqual(servers.map((s) => s.proxies.get('amqp-ctl1')!.toxics.length), [0, 0]);
    for (const port of ports) assert.ok((await exchange(port)).ms! < 200);
  });

  it('down disables the proxy on every server; the journal replay (trove-ha heal) enables it on every one', async () => {
    const journal = join(dir, 'j.jsonl');
    const ctx = faultContext(env(), new RecordingRemote());
    await new Injector(ctx, { journalPath: journal }).inject(linkDown(ctx, 'amqp-ctl1'));
    for (const port of ports) assert.equal((await exchange(port)).end, 'ECONNREFUSED');
    const report = await healJournal(env(), new RecordingRemote(), { path: journal });
    assert.equal(report.healed.length, 1);
    for (const port of ports) assert.equal((await exchange(port)).received, 16);
  });

  it('heals what it can when one server is gone, and says which failed', async () => {
    const ctx = faultContext(env(), new RecordingRemote(), { toxiproxyTimeoutMs: 2000 });
    const injector = new Injector(ctx, { journalPath: join(dir, 'j.jsonl') });
    const fault = linkToxic(ctx, 'amqp-ctl1', { type: 'timeout', timeoutMs: 0 });
    await injector.inject(fault);
    await servers[1]!.close();
    await assert.rejects(injector.heal(fault), new RegExp(urls.ha2!.replace(/[.:/]/g, '\\$&')));
    assert.equal(servers[0]!.proxies.get('amqp-ctl1')!.toxics.length, 0, 'the reachable server was healed');
  });

  it('refuses a proxy the environment does not declare, at creation', () => {
    const ctx = faultContext(env(), new RecordingRemote());
    assert.throws(() => linkDown(ctx, 'amqp-ctl9'), (e: unknown) => e instanceof ConfigError && /toxiproxy.proxies has no proxy "amqp-ctl9" \(have: amqp-ctl1\)/.test(e.message));
  });

  it('the schema wants url or servers (not both), and servers on known nodes', () => {
    const base = faultEnvironment();
    const issues = (toxiproxy: unknown) => {
      const r = environmentSchema.safeParse({ ...base, toxiproxy });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues({ url: 'http://127.0.0.1:8474' }), []);
    assert.deepEqual(issues({ servers: { ha1: 'http://198.18.0.21:8474', ha2: 'http://198.18.0.22:8474' } }), []);
    assert.match(issues({ url: 'http://a:1', servers: { ha1: 'http://b:1' } }).join('\n'), /toxiproxy\.servers: give either url .* or servers .*, not both/);
    assert.match(issues({}).join('\n'), /toxiproxy\.url: toxiproxy needs url \(one server\) or servers/);
    assert.match(issues({ servers: { nowhere: 'http://b:1' } }).join('\n'), /toxiproxy\.servers\.nowhere: names node "nowhere", which is not in nodes/);
  });
});

describe('toxiproxy health check (lib/checks/toxiproxy)', () => {
  it('passes a clean link and fails a toxic, a disabled proxy, a missing proxy and a dead server', async () => {
    const { readToxiproxy, judgeToxiproxy } = await import('../../lib/checks/toxiproxy.ts');
    const echo = await startEchoServer();
    const server = new ToxiproxyServer();
    const url = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
    const deadUrl = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
    try {
      await server.populate([{ name: 'amqp-ctl1', listen: `127.0.0.1:${await freePort('127.0.0.1')}`, upstream: `127.0.0.1:${echo.port}` }]);
      const judge = async (declared: string[]) => judgeToxiproxy(await readToxiproxy({ servers: { ha1: url } }, 2000), declared).filter((f) => !f.ok).map((f) => `${f.check}: ${f.message}`);
      assert.deepEqual(await judge(['amqp-ctl1']), []);
      server.proxies.get('amqp-ctl1')!.addToxic({ name: 'slow', type: 'latency', attributes: { latency: 5 } });
      assert.deepEqual(await judge(['amqp-ctl1']), ['toxiproxy.clean: proxy amqp-ctl1 has toxics: slow (latency)']);
      await server.reset();
      await server.proxies.get('amqp-ctl1')!.stop();
      assert.deepEqual(await judge(['amqp-ctl1', 'amqp-ctl2']), ['toxiproxy.enabled: proxy amqp-ctl1 is disabled (link down)', 'toxiproxy.proxy: proxy amqp-ctl2 is missing (has: amqp-ctl1)']);
      const dead = judgeToxiproxy(await readToxiproxy({ servers: { ha2: deadUrl } }, 2000), undefined);
      assert.match(dead[0]!.message, /cannot list proxies: http:\/\/127\.0\.0\.1:\d+: /);
      assert.equal(dead[0]!.subject, 'toxiproxy ha2');
    } finally {
      await server.close();
      await echo.close();
    }
  });
});
