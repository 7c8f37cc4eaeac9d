import assert from 'node:assert/strict';
import { HttpClient, type HttpMethod } from '../../lib/openstack/http.ts';
import { HttpError } from '../../lib/openstack/http-error.ts';
import { Redactor, REDACTED } from '../../lib/openstack/redact.ts';
import type { ExchangeSummary } from '../../lib/openstack/exchange.ts';
import { backoffDelayMs, isIdempotent, DEFAULT_RETRY_POLICY } from '../../lib/openstack/retry-policy.ts';
import { startLoopbackServer, sendJson, type LoopbackServer } from '../support/loopback-http.ts';
import { freePort } from '../support/free-port.ts';

const FAST_RETRY = { retries: 2, baseDelayMs: 5, maxDelayMs: 20 };

async function rejection(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HttpError, `expected HttpError, got ${String(e)}`);
    return e;
  }
  assert.fail('the request succeeded');
}

describe('openstack http layer', () => {
  let server: LoopbackServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe('retry policy', () => {
    it('retries only GET, HEAD, PUT, DELETE and OPTIONS', () => {
      for (const m of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'get']) assert.ok(isIdempotent(m), m);
      for (const m of ['POST', 'PATCH']) assert.ok(!isIdempotent(m), m);
    });

    it('backs off exponentially within a small bound', () => {
      const p = DEFAULT_RETRY_POLICY;
      assert.deepEqual([1, 2, 3, 4, 10].map((a) => backoffDelayMs(p, a)), [200, 400, 800, 1000, 1000]);
    });

    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'] as HttpMethod[]) {
      it(`retries ${method} on 503 and succeeds when the service comes back`, async () => {
        let n = 0;
        server = await startLoopbackServer((_req, res) => {
          n += 1;
          if (n < 3) sendJson(res, 503, { error: 'backend down' });
          else sendJson(res, 200, { ok: true });
        });
        const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
        const r = await http.request({ service: 'test', method, url: `${server.url}/x` });
        assert.equal(r.status, 200);
        assert.equal(server.requests.length, 3);
      });
    }

    for (const method of ['POST', 'PATCH'] as HttpMethod[]) {
      it(`never retries ${method}, even on 503`, async () => {
        server = await startLoopbackServer((_req, res) => sendJson(res, 503, { error: 'down' }));
        const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
        const e = await rejection(http.request({ service: 'test', method, url: `${server.url}/x`, json: { a: 1 } }));
        assert.equal(e.status, 503);
        assert.equal(e.attempts, 1);
        assert.equal(server.requests.length, 1);
      });
    }

    it('retries 502 and 504 but not 500 or 4xx', async () => {
      const statuses = [502, 504, 200];
      server = await startLoopbackServer((_req, res) => sendJson(res, statuses.shift() ?? 200, {}));
      const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
      assert.equal((await http.request({ service: 'test', method: 'GET', url: server.url })).status, 200);
      assert.equal(server.requests.length, 3);

      for (const status of [500, 404, 409]) {
        await server.close();
        server = await startLoopbackServer((_req, res) => sendJson(res, status, {}));
        const e = await rejection(http.request({ service: 'test', method: 'GET', url: server.url }));
        assert.equal(e.status, status);
        assert.equal(server.requests.length, 1, `${status} must not be retried`);
      }
    });

    it('gives up after the bounded number of retries and says how many attempts it made', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 503, {}));
      const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
      const e = await rejection(http.request({ service: 'database', method: 'GET', url: `${server.url}/v1.0/p/instances` }));
      assert.equal(server.requests.length, 3);
      assert.equal(e.attempts, 3);
      assert.match(e.message, /after 3 attempts/);
    });

    it('retries an idempotent request on a refused connection and then names the error code', async () => {
      const port = await freePort('127.0.0.1');
      const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
      const summaries: ExchangeSummary[] = [];
      const withHook = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY, onExchange: (s) => summaries.push(s) });
      const e = await rejection(withHook.request({ service: 'compute', method: 'GET', url: `http://127.0.0.1:${port}/servers` }));
      assert.equal(e.code, 'ECONNREFUSED');
      assert.equal(e.status, undefined);
      assert.equal(e.attempts, 3);
      assert.deepEqual(summaries.map((s) => [s.attempt, s.errorCode]), [[1, 'ECONNREFUSED'], [2, 'ECONNREFUSED'], [3, 'ECONNREFUSED']]);
      const post = await rejection(http.request({ service: 'compute', method: 'POST', url: `http://127.0.0.1:${port}/servers`, json: {} }));
      assert.equal(post.attempts, 1);
    });

    it('lets a request set its own retry count', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 503, {}));
      const http = new HttpClient({ timeoutMs: 2000, retry: FAST_RETRY });
      await rejection(http.request({ service: 'probe', method: 'GET', url: server.url, retries: 0 }));
      assert.equal(server.requests.length, 1);
    });
  });

  describe('timeouts', () => {
    it('bounds every attempt by the client timeout and retries a GET that timed out', async () => {
      server = await startLoopbackServer(() => {
        /* never answers */
      });
      const http = new HttpClient({ timeoutMs: 100, retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 5 } });
      const started = Date.now();
      const e = await rejection(http.request({ service: 'database', method: 'GET', url: `${server.url}/slow` }));
      const elapsed = Date.now() - started;
      assert.equal(e.code, 'ETIMEDOUT');
      assert.equal(server.requests.length, 2);
      assert.ok(elapsed >= 200 && elapsed < 1500, `two 100 ms attempts took ${elapsed} ms`);
      assert.match(e.message, /^database: GET http:\/\/127\.0\.0\.1:\d+\/slow -> no answer \(ETIMEDOUT\)/);
    });

    it('does not retry a POST that timed out (it may have been executed)', async () => {
      server = await startLoopbackServer(() => {});
      const http = new HttpClient({ timeoutMs: 100, retry: FAST_RETRY });
      const e = await rejection(http.request({ service: 'database', method: 'POST', url: server.url, json: { instance: {} } }));
      assert.equal(e.code, 'ETIMEDOUT');
      assert.equal(server.requests.length, 1);
    });

    it('lets one request override the timeout', async () => {
      server = await startLoopbackServer((_req, res) => {
        setTimeout(() => sendJson(res, 200, { late: true }), 150);
      });
      const http = new HttpClient({ timeoutMs: 50, retry: { retries: 0 } });
      await rejection(http.request({ service: 'x', method: 'GET', url: server.url }));
      const r = await http.request<{ late: boolean }>({ service: 'x', method: 'GET', url: server.url, timeoutMs: 2000 });
      assert.deepEqual(r.body, { late: true });
    });
  });

  describe('JSON and errors', () => {
    it('sends JSON with its content type and parses JSON answers', async () => {
      server = await startLoopbackServer((req, res) => sendJson(res, 200, { echo: JSON.parse(req.body) }, { 'x-openstack-request-id': 'req-abc' }));
      const http = new HttpClient({ timeoutMs: 2000 });
      const r = await http.request<{ echo: unknown }>({ service: 'x', method: 'POST', url: server.url, json: { a: [1, 2] }, query: { limit: 5, marker: undefined } });
      assert.deepEqual(r.body, { echo: { a: [1, 2] } });
      assert.equal(r.requestId, 'req-abc');
      assert.equal(server.requests[0]!.headers['content-type'], 'application/json');
      assert.equal(server.requests[0]!.headers.accept, 'application/json');
      assert.equal(server.requests[0]!.url, '/?limit=5');
    });

    it('lets a caller replace a default header whatever its case', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 200, {}));
      const http = new HttpClient({ timeoutMs: 2000 });
      await http.request({ service: 'x', method: 'GET', url: server.url, headers: { Accept: '*/*' } });
      assert.equal(server.requests[0]!.headers.accept, '*/*');
    });

    it('leaves the body undefined on 204 and for non-JSON answers', async () => {
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(204);
        res.end();
      });
      const http = new HttpClient({ timeoutMs: 2000 });
      const r = await http.request({ service: 'x', method: 'DELETE', url: server.url });
      assert.equal(r.status, 204);
      assert.equal(r.body, undefined);
    });

    it('names service, method, URL, status, request id and a redacted excerpt in an HttpError', async () => {
      server = await startLoopbackServer((_req, res) =>
        sendJson(res, 404, { itemNotFound: { message: 'Instance abc could not be found.', code: 404 }, password: 'leaked-by-a-bug' }, { 'x-compute-request-id': 'req-nova-1' }),
      );
      const http = new HttpClient({ timeoutMs: 2000 });
      const e = await rejection(http.request({ service: 'database (tenant)', method: 'GET', url: `${server.url}/v1.0/p/instances/abc` }));
      assert.equal(e.service, 'database (tenant)');
      assert.equal(e.method, 'GET');
      assert.equal(e.status, 404);
      assert.equal(e.requestId, 'req-nova-1');
      assert.match(e.message, /^database \(tenant\): GET http:\/\/127\.0\.0\.1:\d+\/v1\.0\/p\/instances\/abc -> HTTP 404, request id req-nova-1: /);
      assert.match(e.message, /Instance abc could not be found/);
      assert.ok(!e.message.includes('leaked-by-a-bug'));
      assert.ok(e.bodyExcerpt!.includes(REDACTED));
    });

    it('keeps the excerpt short', async () => {
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<html>${'x'.repeat(10_000)}</html>`);
      });
      const http = new HttpClient({ timeoutMs: 2000 });
      const e = await rejection(http.request({ service: 'x', method: 'GET', url: server.url }));
      assert.ok(e.bodyExcerpt!.length < 500, `excerpt of ${e.bodyExcerpt!.length} characters`);
    });

    it('never puts a known secret into an error, not even through the URL', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 400, { badRequest: { message: 'bad password sup3r-secret-pw' } }));
      const http = new HttpClient({ timeoutMs: 2000, redactor: new Redactor(['sup3r-secret-pw']) });
      const e = await rejection(http.request({ service: 'x', method: 'GET', url: `${server.url}/?q=sup3r-secret-pw` }));
      assert.ok(!e.message.includes('sup3r-secret-pw'), e.message);
      assert.ok(!e.url.includes('sup3r-secret-pw'));
    });

    it('fails clearly on an answer that claims JSON but does not parse', async () => {
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"truncated": ');
      });
      const http = new HttpClient({ timeoutMs: 2000 });
      const e = await rejection(http.request({ service: 'x', method: 'GET', url: server.url }));
      assert.match(e.message, /does not parse/);
    });

    it('does not follow redirects (the token would travel to wherever they point)', async () => {
      server = await startLoopbackServer((_req, res) => {
        res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
        res.end();
      });
      const http = new HttpClient({ timeoutMs: 2000 });
      const r = await http.request({ service: 'x', method: 'GET', url: server.url });
      assert.equal(r.status, 302);
      assert.equal(server.requests.length, 1);
    });
  });

  describe('exchange summaries', () => {
    it('reports each attempt with method, URL, status, duration, request id and redacted bodies', async () => {
      server = await startLoopbackServer((req, res) =>
        sendJson(res, 201, { server: { id: 's1', adminPass: 'nova-made' }, echo: JSON.parse(req.body) }, { 'x-openstack-request-id': 'req-9', 'x-subject-token': 'gAAAAABissued' }),
      );
      const summaries: ExchangeSummary[] = [];
      const http = new HttpClient({ timeoutMs: 2000, onExchange: (s) => summaries.push(s), redactor: new Redactor(['adminpw']) });
      await http.request({
        service: 'keystone',
        method: 'POST',
        url: `${server.url}/v3/auth/tokens`,
        headers: { 'X-Auth-Token': 'gAAAAABold' },
        json: { auth: { note: 'adminpw', password: 'adminpw' } },
      });
      assert.equal(summaries.length, 1);
      const s = summaries[0]!;
      assert.equal(s.service, 'keystone');
      assert.equal(s.method, 'POST');
      assert.match(s.url, /\/v3\/auth\/tokens$/);
      assert.equal(s.status, 201);
      assert.equal(s.requestId, 'req-9');
      assert.equal(s.attempt, 1);
      assert.ok(s.durationMs >= 0);
      assert.equal(s.requestHeaders['x-auth-token'], REDACTED);
      assert.equal(s.responseHeaders!['x-subject-token'], REDACTED);
      const all = JSON.stringify(s);
      for (const secret of ['adminpw', 'nova-made', 'gAAAAABold', 'gAAAAABissued']) assert.ok(!all.includes(secret), `${secret} leaked: ${all}`);
      assert.deepEqual(JSON.parse(s.requestBody!), { auth: { note: REDACTED, password: REDACTED } });
      assert.equal(JSON.parse(s.responseBody!).server.id, 's1');
    });

    it('truncates large bodies to the configured limit', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 200, { big: 'y'.repeat(20_000) }));
      const summaries: ExchangeSummary[] = [];
      const http = new HttpClient({ timeoutMs: 2000, onExchange: (s) => summaries.push(s), bodyLimit: 1000 });
      await http.request({ service: 'x', method: 'GET', url: server.url });
      assert.ok(summaries[0]!.responseBody!.length < 1100);
      assert.match(summaries[0]!.responseBody!, /more characters\)$/);
    });

    it('keeps going when the hook throws', async () => {
      server = await startLoopbackServer((_req, res) => sendJson(res, 200, {}));
      const http = new HttpClient({
        timeoutMs: 2000,
        onExchange: () => {
          throw new Error('report broken');
        },
      });
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        assert.equal((await http.request({ service: 'x', method: 'GET', url: server.url })).status, 200);
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
      }
      assert.ok(warnings.some((w) => w.includes('report broken')));
    });
  });
});
