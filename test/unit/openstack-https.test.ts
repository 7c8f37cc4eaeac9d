// Real sites put Keystone and the APIs behind TLS with a private CA; the
// environment's keystone.caFile must be all it takes to trust it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from '../../lib/openstack/http.ts';
import { HttpError } from '../../lib/openstack/http-error.ts';

describe('openstack http layer over TLS', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let requests = 0;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
    } catch {
      this.skip(); // no openssl on this machine
    }
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"version": {"id": "v3.14"}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
  });

  after(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trusts the CA of caFile', async () => {
    const http = new HttpClient({ timeoutMs: 2000, caFile: join(dir, 'cert.pem') });
    const r = await http.request<{ version: { id: string } }>({ service: 'keystone', method: 'GET', url });
    assert.equal(r.body.version.id, 'v3.14');
  });

  it('refuses an unknown certificate without retrying it', async () => {
    const before = requests;
    const http = new HttpClient({ timeoutMs: 2000, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await assert.rejects(http.request({ service: 'keystone', method: 'GET', url }), (e: unknown) => {
      assert.ok(e instanceof HttpError);
      assert.equal(e.attempts, 1);
      assert.match(e.code ?? '', /SELF_SIGNED|CERT/);
      return true;
    });
    assert.equal(requests, before);
  });
});
