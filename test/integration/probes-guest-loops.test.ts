// The guest probes' remote loops run for real (python3, bash, curl) through an
// executor that runs commands locally, against servers on 127.0.0.1 that the
// test stops and starts again to make an outage.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { outageWindows } from '../../lib/checks/history.ts';
import { guestAmqpProbe } from '../../lib/probes/guest-amqp-probe.ts';
import { guestSwiftProbe } from '../../lib/probes/guest-swift-probe.ts';
import { nowMs } from '../../lib/probes/clock.ts';
import { freePort } from '../support/free-port.ts';
import { LocalExecutor } from '../support/local-executor.ts';
import { startLoopbackServer } from '../support/loopback-http.ts';

/** A RabbitMQ stand-in: answers the AMQP protocol header with the first byte of a Connection.Start frame. */
async function fakeBroker(port: number, firstByte = 0x01): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () => s.end(Buffer.from([firstByte, 0, 0, 0, 0, 0, 0])));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('guest probe loops (run locally)', function () {
  this.timeout(30_000);

  it('guestAmqpProbe: records handshakes, a refused window while the broker is down, and recovery', async () => {
    const port = await freePort('127.0.0.1');
    let broker = await fakeBroker(port);
    const local = new LocalExecutor();
    const probe = guestAmqpProbe(local, { node: 'probe1', host: '127.0.0.1', port, intervalMs: 50, maxDurationMs: 20_000 });
    const begin = nowMs();
    probe.start();
    await sleep(700);
    await broker.close();
    const downAt = nowMs();
    await sleep(500);
    broker = await fakeBroker(port);
    const upAt = nowMs();
    await sleep(500);
    const history = await probe.stop();
    const stoppedAt = nowMs();
    await broker.close();

    assert.deepEqual(probe.errors(), []);
    assert.ok(stoppedAt - begin < 5000, 'stop() ended the loop long before its deadline');
    assert.ok(history.length >= 15, `${history.length} attempts`);
    const outages = outageWindows(history);
    assert.equal(outages.windows.length, 1, JSON.stringify(outages.windows));
    const w = outages.windows[0]!;
    // Refused while the broker is down; a handshake caught by the close itself is reset (seen once in a full run).
    assert.ok(w.details.includes('connect-ECONNREFUSED'), JSON.stringify(w.details));
    assert.deepEqual(w.details.filter((d) => d !== 'connect-ECONNREFUSED' && d !== 'reply-ECONNRESET'), [], JSON.stringify(w.details));
    // The window lies where we made it, on our clock (generous margins for a busy machine).
    assert.ok(w.start >= downAt - 100 && w.start <= downAt + 300, `outage starts ${w.start - downAt} ms after the broker went down`);
    assert.ok(w.end >= upAt - 100 && w.end <= upAt + 400, `outage ends ${w.end - upAt} ms after the broker came back`);
    assert.ok(history.filter((e) => e.ok).every((e) => e.detail === 'connection-start'));
    // The pid file was emptied by the loop and removed afterwards.
    const pidFile = local.commands.find((c) => c.startsWith('rm -f '))!.slice(6);
    assert.ok(!existsSync(pidFile));
  });

  it('guestAmqpProbe: a reply that is not Connection.Start is a failure; the loop ends at its deadline by itself', async () => {
    const port = await freePort('127.0.0.1');
    const broker = await fakeBroker(port, 0x41); // "AMQP..." back: a broker refusing our protocol version
    const probe = guestAmqpProbe(new LocalExecutor(), { node: 'probe1', host: '127.0.0.1', port, intervalMs: 50, maxDurationMs: 400 });
    probe.start();
    await sleep(1500);
    const started = nowMs();
    const history = await probe.stop();
    await broker.close();
    assert.ok(nowMs() - started < 1500, 'stop() of an ended loop does not wait for it');
    assert.ok(history.length >= 4 && history.every((e) => !e.ok && e.detail === 'unexpected-frame-0x41'), JSON.stringify(history.slice(0, 3)));
    assert.deepEqual(probe.errors(), []);
  });

  it('guestAmqpProbe: a silent port times out on the reply within the bound', async () => {
    const port = await freePort('127.0.0.1');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    const probe = guestAmqpProbe(new LocalExecutor(), { node: 'probe1', host: '127.0.0.1', port, intervalMs: 50, replyTimeoutMs: 200, maxDurationMs: 900 });
    probe.start();
    await sleep(1200);
    const history = await probe.stop();
    silent.close();
    assert.ok(history.length >= 2);
    for (const e of history) {
      assert.equal(e.detail, 'reply-timeout');
      assert.ok(e.latencyMs >= 190 && e.latencyMs < 400, `${e.latencyMs} ms`);
    }
  });

  it('guestSwiftProbe: curl HEAD through a URL, 5xx and refused connections are failures', async () => {
    let status = 200;
    const swift = await startLoopbackServer((req, res) => {
      res.writeHead(status).end();
    });
    const probe = guestSwiftProbe(new LocalExecutor(), { node: 'probe1', url: `${swift.url}/healthcheck`, intervalMs: 50, maxDurationMs: 20_000 });
    probe.start();
    await sleep(600);
    status = 503;
    await sleep(400);
    status = 200;
    await sleep(400);
    const history = await probe.stop();
    await swift.close();
    assert.deepEqual(probe.errors(), []);
    assert.ok(swift.requests.every((r) => r.method === 'HEAD' && r.url === '/healthcheck'));
    const w = outageWindows(history).windows;
    assert.equal(w.length, 1, JSON.stringify(history.map((e) => e.detail)));
    assert.deepEqual(w[0]!.details, ['HTTP-503']);
    assert.ok(history.some((e) => e.ok && e.detail === 'HTTP-200'));

    const refused = guestSwiftProbe(new LocalExecutor(), { node: 'probe1', url: `${swift.url}/healthcheck`, intervalMs: 50, maxDurationMs: 300 });
    refused.start();
    await sleep(600);
    const h2 = await refused.stop();
    assert.ok(h2.length >= 2 && h2.every((e) => !e.ok && e.detail === 'connect-failed'), JSON.stringify(h2));
  });

  it('reports a loop that cannot start instead of an empty success', async () => {
    const probe = guestAmqpProbe(new LocalExecutor(), { node: 'probe1', host: '127.0.0.1', port: 9, maxDurationMs: 1000, python: '/nonexistent/python3' });
    probe.start();
    await sleep(300); // let it fail first; a stop() racing the start waits (bounded) for a pid file that never comes
    const h = await probe.stop();
    assert.deepEqual(h, []);
    assert.match(probe.errors().join('\n'), /did not start \(exit 127\)/);
    assert.equal(outageWindows(h).findings[0]!.ok, false);
  });
});
