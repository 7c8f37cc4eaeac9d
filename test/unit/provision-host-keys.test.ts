// Host keys of the servers provisioning creates, read from their consoles.
// The consoles are recorded real ones (test/fixtures/recorded):
//   console-cloud-init-21.4-ubuntu-20.04.log: cloud-init 21.4 (Ubuntu 20.04)
//     on a serial console, from ipdk-io/ipdk's container README ("Verify guest
//     is finished booting"); its RSA key line was cut by the console.
//   console-cloud-init-0.7.5-ec2.log: cloud-init 0.7.5 (Ubuntu 14.04) on EC2, as
//     `get-console-output` shows it, from a Spinnaker/Chaos Monkey write-up.
// Each also prints the keys' fingerprints, which the keys read here must match.
// The compute API is a loopback stand-in for os-getConsoleOutput only (behind
// the Keystone stand-in); the lab cloud's own endpoint is exercised in
// test/integration/provision-host-keys.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Environment } from '../../lib/env/schema.ts';
import { ComputeClient } from '../../lib/openstack/compute.ts';
import { HttpClient } from '../../lib/openstack/http.ts';
import { KeystoneSession } from '../../lib/openstack/keystone.ts';
import { changeContext } from '../../lib/provision/change.ts';
import { hostKeysFromConsole } from '../../lib/provision/console-host-keys.ts';
import { pinHostKeys, type ProxyServer } from '../../lib/provision/pin-host-keys.ts';
import { linesFor, parseKnownHosts } from '../../lib/remote/known-hosts.ts';
import { pinKnownHosts } from '../../lib/remote/known-hosts-pin.ts';
import { CREDENTIALS, startFakeCloud, type FakeCloud } from '../support/fake-openstack.ts';
import { sendJson, type RecordedRequest } from '../support/loopback-http.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';
import { generateKey, hashKnownHosts, keyPart } from '../support/ssh-keys.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/recorded/${name}`, import.meta.url), 'utf8');
const UBUNTU = fixture('console-cloud-init-21.4-ubuntu-20.04.log');
const EC2 = fixture('console-cloud-init-0.7.5-ec2.log');
const md5 = (blob: Buffer) => createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');

describe('provision: SSH host keys from the server console', () => {
  describe('the keys block cloud-init prints', () => {
    it('cloud-init 21.4: the ECDSA and Ed25519 keys, matching the fingerprints the console prints; the RSA line cut by the console is not used', () => {
      const found = hostKeysFromConsole(UBUNTU)!;
      assert.deepEqual(found.keys.map((k) => `${k.type} ${k.fingerprint}`), ['ecdsa-sha2-nistp256 SHA256:8KKnft4X6/5ANZjy4c9Pf8nLPghM25r2h7KQCcmMWJQ', 'ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ']);
      for (const k of found.keys) assert.ok(UBUNTU.includes(` ${k.fingerprint} root@vm1 (`), `${k.type}: the console's own fingerprint block lists ${k.fingerprint}`);
      assert.deepEqual(found.unusable, ['a ssh-rsa key cut short or damaged on the console']);
    });

    it('cloud-init 0.7.5 on EC2: all three keys, matching the MD5 fingerprints the console prints', () => {
      const found = hostKeysFromConsole(EC2)!;
      assert.deepEqual(found.keys.map((k) => k.type), ['ecdsa-sha2-nistp256', 'ssh-ed25519', 'ssh-rsa']);
      for (const k of found.keys) assert.ok(EC2.includes(`ec2: ${k.type === 'ssh-rsa' ? 2048 : 256} ${md5(k.blob)}  root@`), `${k.type} ${md5(k.blob)} in the console's fingerprints`);
      assert.deepEqual(found.unusable, []);
    });

    it('no block yet, or one still being printed: nothing; two boots on one console: the last block', () => {
      assert.equal(hostKeysFromConsole(UBUNTU.slice(0, UBUNTU.indexOf('-----BEGIN SSH HOST KEY KEYS-----'))), null);
      assert.equal(hostKeysFromConsole(UBUNTU.slice(0, UBUNTU.indexOf('ssh-ed25519 AAAA'))), null);
      assert.equal(hostKeysFromConsole(''), null);
      assert.deepEqual(hostKeysFromConsole(EC2 + UBUNTU)!.keys.map((k) => k.fingerprint), hostKeysFromConsole(UBUNTU)!.keys.map((k) => k.fingerprint));
    });
  });

  describe('writing a known_hosts file', () => {
    let dir = '';
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'known-hosts-pin-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const key = (name: string) => keyPart(generateKey(join(dir, name), 'ed25519'));
    const asPinned = (k: string) => ({ type: k.split(' ')[0]!, base64: k.split(' ')[1]! });

    it("replaces the address's own entries, keeps every other line, the file's mode, and no temp file", () => {
      const [old, other, shared, wild, revoked, fresh] = ['old', 'other', 'shared', 'wild', 'revoked', 'fresh'].map(key) as [string, string, string, string, string, string];
      const hashedFile = join(dir, 'hashed');
      writeFileSync(hashedFile, `198.18.0.21 ${old}\n`);
      hashKnownHosts(hashedFile);
      const hashed = readFileSync(hashedFile, 'utf8').trim();
      rmSync(hashedFile);
      rmSync(`${hashedFile}.old`, { force: true });
      const file = join(dir, 'known_hosts');
      const before = ['# the lab nodes', `198.18.0.21 ${old}`, '', `198.18.0.22 ${other}`, `ha1,198.18.0.21 ${shared} comment`, hashed, `198.18.0.* ${wild}`, `@revoked 198.18.0.21 ${revoked}`];
      writeFileSync(file, `${before.join('\n')}\n`);
      chmodSync(file, 0o600);
      const outcome = pinKnownHosts(file, '198.18.0.21', [asPinned(fresh)]);
      assert.deepEqual(outcome, { created: false, replaced: 3 });
      assert.equal(readFileSync(file, 'utf8'), `${['# the lab nodes', '', `198.18.0.22 ${other}`, `ha1 ${shared} comment`, `198.18.0.* ${wild}`, `@revoked 198.18.0.21 ${revoked}`, `198.18.0.21 ${fresh}`].join('\n')}\n`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes('trove-ha')), []);
      const { trusted } = linesFor(parseKnownHosts(readFileSync(file, 'utf8')), '198.18.0.21', 22);
      assert.deepEqual(trusted.map((e) => e.hosts), ['198.18.0.*', '198.18.0.21'], 'the wildcard is policy, left alone');
      assert.deepEqual(pinKnownHosts(file, '198.18.0.21', [asPinned(fresh)]), { created: false, replaced: 1 }, 'pinning again replaces its own line');
    });

    it('creates a missing file, 0644 as ssh does; a non-standard port is written [address]:port', () => {
      const file = join(dir, 'known_hosts.provisioned');
      const k = key('new');
      assert.deepEqual(pinKnownHosts(file, '[198.18.0.21]:2222', [asPinned(k)]), { created: true, replaced: 0 });
      assert.equal(readFileSync(file, 'utf8'), `[198.18.0.21]:2222 ${k}\n`);
      assert.equal(statSync(file).mode & 0o777, 0o644);
    });
  });

  describe('pinning through the compute API', function () {
    this.timeout(20_000);
    let dir = '';
    let cloud: FakeCloud | undefined;
    /** What each server's console answers next (the last answer repeats). */
    let consoles: Record<string, ((res: ServerResponse) => void)[]> = {};
    let env: Environment;
    let nova: ComputeClient;
    const knownHosts = () => join(dir, 'known_hosts');
    const output = (text: string) => (res: ServerResponse) => sendJson(res, 200, { output: text });
    const consoleCalls = () => cloud!.serviceRequests().filter((r) => r.url.endsWith('/action')).length;

    const route = (req: RecordedRequest, res: ServerResponse) => {
      const m = /^\/nova\/v2\.1\/servers\/([^/]+)\/action$/.exec(req.url);
      const queue = m && req.method === 'POST' && 'os-getConsoleOutput' in JSON.parse(req.body) ? consoles[m[1]!] : undefined;
      if (!queue?.length) return sendJson(res, 404, { itemNotFound: { code: 404, message: `Instance ${m?.[1] ?? req.url} could not be found.` } });
      (queue.length > 1 ? queue.shift()! : queue[0]!)(res);
    };
    const envWith = (hostKey: Record<string, string>) =>
      labEnvWithProvision(labProvisionSection(), (raw) => {
        raw.ssh.hostKey = hostKey;
        // Never the lab's own files: the pins go to this test's directory.
        for (const n of ['ha1', 'ha2']) raw.nodes[n].ssh = {};
      });
    const pin = async (servers: ProxyServer[], dryRun = false, waitMs = 5000) => {
      const ctx = changeContext(dryRun);
      await pinHostKeys(ctx, env, nova, servers, { waitMs, pollMs: 50 });
      return ctx.changes;
    };

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pin-host-keys-'));
      consoles = {};
      cloud = await startFakeCloud(route);
      env = envWith({ knownHostsFile: knownHosts() });
      // The stand-in's catalog has compute in RegionTwo only.
      nova = new ComputeClient(new KeystoneSession({ name: 'admin', authUrl: `${cloud.server.url}/v3`, credentials: CREDENTIALS, region: 'RegionTwo', interface: 'public', http: new HttpClient({ timeoutMs: 2000, retry: { retries: 0 } }) }));
    });
    afterEach(async () => {
      await cloud?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a created server: polled until the block appears, its keys replace the previous server's entry; the next run finds them as on the console", async () => {
      writeFileSync(knownHosts(), '198.18.0.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGH5fGgBdTgC1nD8E/TekwJAet/K4f1f8DiBiQ4NYry/\n198.18.0.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGH5fGgBdTgC1nD8E/TekwJAet/K4f1f8DiBiQ4NYry/\n');
      consoles['srv-ha1'] = [output(UBUNTU.slice(0, UBUNTU.indexOf('<14>'))), output(UBUNTU)];
      const changes = await pin([{ node: 'ha1', id: 'srv-ha1', created: true }]);
      assert.deepEqual(changes, [
        {
          action: 'update',
          object: `known_hosts ${knownHosts()}`,
          detail: 'ha1 198.18.0.21 ecdsa-sha2-nistp256 SHA256:8KKnft4X6/5ANZjy4c9Pf8nLPghM25r2h7KQCcmMWJQ, ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ, replacing the 1 entry of the previous server',
        },
      ]);
      assert.equal(consoleCalls(), 2, 'asked again until the keys were there');
      const lines = readFileSync(knownHosts(), 'utf8').trim().split('\n');
      assert.equal(lines[0], '198.18.0.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGH5fGgBdTgC1nD8E/TekwJAet/K4f1f8DiBiQ4NYry/', 'the other node untouched');
      assert.deepEqual(lines.slice(1).map((l) => l.split(' ').slice(0, 2).join(' ')), ['198.18.0.21 ecdsa-sha2-nistp256', '198.18.0.21 ssh-ed25519']);
      const again = await pin([{ node: 'ha1', id: 'srv-ha1', created: false }]);
      assert.deepEqual(again.map((c) => [c.action, c.detail]), [['unchanged', 'ha1 198.18.0.21 pinned, as on the console (ecdsa-sha2-nistp256 SHA256:8KKnft4X6/5ANZjy4c9Pf8nLPghM25r2h7KQCcmMWJQ, ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ)']]);
    });

    it('an existing server whose console shows another key than the pinned one: drift saying how to re-pin, the file untouched', async () => {
      consoles['srv-ha1'] = [output(UBUNTU)];
      await pin([{ node: 'ha1', id: 'srv-ha1', created: true }]);
      const pinned = readFileSync(knownHosts(), 'utf8');
      consoles['srv-ha1'] = [output(EC2)];
      const changes = await pin([{ node: 'ha1', id: 'srv-ha1', created: false }]);
      assert.deepEqual(changes.map((c) => c.action), ['drift']);
      assert.match(changes[0]!.detail!, /^ha1 198\.18\.0\.21: the console of server ha1 shows ecdsa-sha2-nistp256 SHA256:ZX\+Aob.*, \S+known_hosts pins ecdsa-sha2-nistp256 SHA256:8KKn.*; not re-pinned: .*rebuilt.*\(ssh-keygen -R 198\.18\.0\.21 -f \S+known_hosts\) and run trove-ha provision again/);
      assert.equal(readFileSync(knownHosts(), 'utf8'), pinned);
    });

    it('an existing server with no entry at all is pinned (first pin); one whose console no longer shows keys stays as pinned', async () => {
      consoles['srv-ha2'] = [output(EC2)];
      const first = await pin([{ node: 'ha2', id: 'srv-ha2', created: false }]);
      assert.deepEqual(first.map((c) => [c.action, c.detail]), [['update', 'ha2 198.18.0.22 ecdsa-sha2-nistp256 SHA256:ZX+AobXG4rNJFrI43ZuvnpCfixW+6cWoE7eQTFp24og, ssh-ed25519 SHA256:vY8PxPjOuNWvn0+MNxu1K5CIt5e6cUr60/HhDu9pcMs, ssh-rsa SHA256:QXBFXN+vfiRlgz8yJo5BVXUAdtIHxvSd0q9rgkk6EaY (new file)']]);
      consoles['srv-ha2'] = [output(EC2.slice(EC2.indexOf('Cloud-init v. 0.7.5 finished')))];
      const later = await pin([{ node: 'ha2', id: 'srv-ha2', created: false }]);
      assert.deepEqual(later.map((c) => c.action), ['unchanged']);
      assert.match(later[0]!.detail!, /pinned \(not compared: no complete host key block on the console yet/);
    });

    it('a dry run records the planned pins and writes nothing', async () => {
      consoles['srv-ha2'] = [output(UBUNTU)];
      const changes = await pin([{ node: 'ha1', created: true }, { node: 'ha2', id: 'srv-ha2', created: false }], true);
      assert.deepEqual(changes.map((c) => [c.action, c.detail]), [
        ['update', "ha1 198.18.0.21 the keys on the server's console, once it shows them (the server is not created yet)"],
        ['update', 'ha2 198.18.0.22 ecdsa-sha2-nistp256 SHA256:8KKnft4X6/5ANZjy4c9Pf8nLPghM25r2h7KQCcmMWJQ, ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ'],
      ]);
      assert.deepEqual(readdirSync(dir), []);
    });

    it('a fingerprint pin is compared, never written: a created server that differs fails the run, an existing one is drift', async () => {
      consoles['srv-ha1'] = [output(UBUNTU)];
      env = envWith({ fingerprint: 'SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ' });
      assert.deepEqual((await pin([{ node: 'ha1', id: 'srv-ha1', created: true }])).map((c) => [c.action, c.object, c.detail]), [['unchanged', 'host key ha1', 'ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ on the console, as ssh.hostKey pins']]);
      env = envWith({ fingerprint: 'SHA256:vY8PxPjOuNWvn0+MNxu1K5CIt5e6cUr60/HhDu9pcMs' });
      await assert.rejects(pin([{ node: 'ha1', id: 'srv-ha1', created: true }]), /server ha1 prints ecdsa-sha2-nistp256 SHA256:8KKn.* on its console; ssh\.hostKey pins SHA256:vY8P.*: SSH to it would be refused/);
      assert.deepEqual((await pin([{ node: 'ha1', id: 'srv-ha1', created: false }])).map((c) => c.action), ['drift']);
      assert.deepEqual(readdirSync(dir), []);
    });

    it('a cloud without console logs (HTTP 501) fails a new pin at once, naming why; a server gone (404) too', async () => {
      consoles['srv-ha1'] = [(res) => sendJson(res, 501, { notImplemented: { code: 501, message: 'The requested functionality is not supported.' } })];
      const t0 = Date.now();
      await assert.rejects(pin([{ node: 'ha1', id: 'srv-ha1', created: true }], false, 60_000), /cannot pin the SSH host key of server ha1 \(srv-ha1\): the compute API has no console log for it \(HTTP 501\)/);
      await assert.rejects(pin([{ node: 'ha1', id: 'srv-gone', created: true }], false, 60_000), /server ha1 \(srv-gone\): the server is gone \(HTTP 404\)/);
      assert.ok(Date.now() - t0 < 5000, 'no waiting for what cannot come');
    });

    it('a console that never shows the keys: the wait is bounded and says what it waited for and saw', async () => {
      consoles['srv-ha1'] = [output(UBUNTU.slice(0, UBUNTU.indexOf('<14>')))];
      await assert.rejects(pin([{ node: 'ha1', id: 'srv-ha1', created: true }], false, 300), /timed out after 0\.3 s waiting for the SSH host keys of server ha1 \(srv-ha1\) on its console .*; last seen: no complete host key block on the console yet/);
    });
  });
});
