// Console output: cloud-init's keys-to-console block, the console log's last
// 100 KiB, Nova's length / cleaning rules, and os-getConsoleOutput over HTTP
// (a stub driver for the driver's answers; the null driver's 501). The
// namespace driver's real console is in test/integration/lab-cloud-vm.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity, TokenValidator } from '../../lab/cloud/auth.ts';
import { consoleText, parseConsoleLength, tailLog } from '../../lab/cloud/compute/console-output.ts';
import { configSchema } from '../../lab/cloud/config.ts';
import { startLabCloud, type LabCloud } from '../../lab/cloud/lab-cloud.ts';
import type { ServerRecord } from '../../lab/cloud/model.ts';
import { ConsoleUnavailable, NullVmDriver, type VmDriver } from '../../lab/cloud/vm-driver.ts';
import { keysToConsole, readConsoleLog, readHostKeys, syslogStamp } from '../../lab/cloud/vm/console.ts';
import { freePort } from '../support/free-port.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('lab cloud console output', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-cloud-console-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keys-to-console: cloud-init's logger-tagged fingerprints, then the bare key block (no ssh-dss key)", () => {
    const when = new Date(2025, 2, 5, 9, 4, 7);
    assert.equal(syslogStamp(when), 'Mar  5 09:04:07');
    assert.equal(syslogStamp(new Date(2025, 11, 24, 23, 0, 0)), 'Dec 24 23:00:00');
    const keys = [
      { publicKey: 'ssh-dss AAAAB3NzaC1kc3M root@ha1', fingerprint: '1024 SHA256:dss root@ha1 (DSA)' },
      { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 root@ha1', fingerprint: '256 SHA256:ed root@ha1 (ED25519)' },
    ];
    assert.deepEqual(keysToConsole(keys, when), [
      '<14>Mar  5 09:04:07 cloud-init: #############################################################',
      '<14>Mar  5 09:04:07 cloud-init: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
      '<14>Mar  5 09:04:07 cloud-init: 1024 SHA256:dss root@ha1 (DSA)',
      '<14>Mar  5 09:04:07 cloud-init: 256 SHA256:ed root@ha1 (ED25519)',
      '<14>Mar  5 09:04:07 cloud-init: -----END SSH HOST KEY FINGERPRINTS-----',
      '<14>Mar  5 09:04:07 cloud-init: #############################################################',
      '-----BEGIN SSH HOST KEY KEYS-----',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 root@ha1',
      '-----END SSH HOST KEY KEYS-----',
    ]);
    assert.deepEqual(keysToConsole([], when), [], 'no keys: no empty headers');
  });

  it('host keys: the .pub files fingerprinted by ssh-keygen', () => {
    const ssh = join(dir, 'ssh');
    execFileSync('mkdir', ['-p', ssh]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@vmtest', '-f', join(ssh, 'ssh_host_ed25519_key')]);
    writeFileSync(join(ssh, 'authorized_keys'), 'ssh-ed25519 AAAA x\n');
    const keys = readHostKeys(ssh);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.publicKey, readFileSync(join(ssh, 'ssh_host_ed25519_key.pub'), 'utf8').trim());
    assert.match(keys[0]!.fingerprint, /^256 SHA256:[A-Za-z0-9+/]{43} root@vmtest \(ED25519\)$/);
    assert.deepEqual(readHostKeys(join(dir, 'none')), []);
  });

  it('the console log: its last 100 KiB, nothing before it exists', () => {
    const f = join(dir, 'init.log');
    assert.equal(readConsoleLog(f).length, 0);
    writeFileSync(f, `${'a'.repeat(200 * 1024)}\nlast line\n`);
    const out = readConsoleLog(f);
    assert.equal(out.length, 100 * 1024);
    assert.ok(out.toString().endsWith('\nlast line\n'));
    assert.equal(readConsoleLog(f, 5).toString(), 'line\n');
  });

  it("length: Nova's schema (integer or digit string, >= -1, null/absent = all)", () => {
    assert.equal(parseConsoleLength({}), null);
    assert.equal(parseConsoleLength({ length: null }), null);
    assert.equal(parseConsoleLength({ length: 5 }), 5);
    assert.equal(parseConsoleLength({ length: '12' }), 12);
    assert.equal(parseConsoleLength({ length: -1 }), -1);
    const bad = (a: unknown, re: RegExp) =>
      assert.throws(
        () => parseConsoleLength(a),
        (e: { status?: number; message: string }) => e.status === 400 && re.test(e.message),
      );
    bad({ length: -2 }, /Invalid input for field\/attribute length\. Value: -2\. -2 is less than the minimum of -1/);
    bad({ length: '-7' }, /-7 is less than the minimum of -1/);
    bad({ length: 'ten' }, /'ten' does not match '\^-\?\[0-9\]\+\$'/);
    bad({ length: 1.5 }, /is not of type 'integer', 'string', 'null'/);
    bad({ length: true }, /is not of type/);
    bad({ length: 3, lines: 3 }, /Additional properties are not allowed \('lines' was unexpected\)/);
    bad(null, /os-getConsoleOutput.*is not of type 'object'/);
  });

  it("tail: Nova's _tail_log (split on newline, last N pieces; 0 → nothing; -1 → all but the first line)", () => {
    const log = b('one\ntwo\nthree\n');
    assert.equal(tailLog(log, null).toString(), 'one\ntwo\nthree\n');
    assert.equal(tailLog(log, 2).toString(), 'three\n', 'the trailing newline is a piece of its own');
    assert.equal(tailLog(log, 3).toString(), 'two\nthree\n');
    assert.equal(tailLog(log, 100).toString(), 'one\ntwo\nthree\n');
    assert.equal(tailLog(log, 0).toString(), '');
    assert.equal(tailLog(log, -1).toString(), 'two\nthree\n');
    assert.equal(tailLog(b('no newline'), 1).toString(), 'no newline');
  });

  it('text: ASCII with U+FFFD per other byte, control characters but tab and newline removed', () => {
    assert.equal(consoleText(Buffer.from('a\tb\r\n\x1b[0mc → d\x00\n', 'utf8')), 'a\tb\n[0mc \uFFFD\uFFFD\uFFFD d\n');
  });

  describe('POST /servers/{id}/action os-getConsoleOutput over HTTP', () => {
    let lab: LabCloud | undefined;
    let base = '';
    const ids: Record<string, string> = {};
    const who: Identity = { token: 'good', userId: 'u1', userName: 'admin', projectId: 'p1', projectName: 'admin', roles: ['admin'], isAdmin: true, expiresAt: Date.now() + 3600_000 };
    const validator: TokenValidator = { validate: async (t) => (t === 'good' ? who : undefined) };
    /** Console logs by server name; a name without one: no machine yet. */
    const logs: Record<string, string> = { s1: 'boot\nkeys\nlast\n' };
    const stub: VmDriver = Object.assign(new NullVmDriver(), {
      name: 'stub',
      consoleOutput: async (s: ServerRecord) => {
        if (logs[s.name] !== undefined) return b(logs[s.name]!);
        if (s.status === 'BUILD') throw new ConsoleUnavailable('not-ready', `Instance ${s.id} is not ready`);
        throw new ConsoleUnavailable('unavailable', 'Guest does not have a console available.');
      },
    });
    const call = async (path: string, body: unknown) => {
      const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'x-auth-token': 'good', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, { message?: string } | string> };
    };
    const getConsole = (id: string, action: unknown = {}) => call(`/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': action });
    const start = async (driver: VmDriver) => {
      const ports = { compute: await freePort('127.0.0.1'), network: await freePort('127.0.0.1'), image: await freePort('127.0.0.1'), volume: await freePort('127.0.0.1') };
      const config = configSchema.parse({ host: '127.0.0.1', ports, stateDir: join(dir, `state-${driver.name}`), keystone: { authUrl: 'http://127.0.0.1:1/v3', username: 'x', password: 'y' } });
      lab = await startLabCloud(config, { validator, driver });
      base = `http://127.0.0.1:${ports.compute}`;
      const flavor = await call('/v2.1/flavors', { flavor: { name: 'f', ram: 64, vcpus: 1, disk: 0 } });
      const image = lab.cloud.store.mutate((s) => {
        s.images.push({ base: { id: '11111111-2222-3333-4444-555555555555', owner: 'p1', status: 'active', visibility: 'private', tags: [] }, properties: {} });
        return s.images[0]!.base.id;
      });
      for (const name of ['s1', 's2', 's3']) {
        const r = await call('/v2.1/servers', { server: { name, imageRef: image, flavorRef: (flavor.body.flavor as unknown as { id: string }).id } });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ids[name] = (r.body.server as unknown as { id: string }).id;
      }
    };
    afterEach(async () => {
      await lab?.stop();
      lab = undefined;
    });

    it('200 with the whole log or its tail; 400 before 404; 409 in BUILD without a machine; 404 without one', async () => {
      await start(stub);
      assert.deepEqual(await getConsole(ids.s1!), { status: 200, body: { output: 'boot\nkeys\nlast\n' } });
      assert.deepEqual(await getConsole(ids.s1!, { length: null }), { status: 200, body: { output: 'boot\nkeys\nlast\n' } });
      assert.deepEqual(await getConsole(ids.s1!, { length: 3 }), { status: 200, body: { output: 'keys\nlast\n' } });
      assert.deepEqual(await getConsole(ids.s1!, { length: '0' }), { status: 200, body: { output: '' } });
      const bad = await getConsole('00000000-0000-0000-0000-000000000000', { length: -3 });
      assert.equal(bad.status, 400, 'the schema is checked before the server is looked up');
      assert.match(String((bad.body.badRequest as { message: string }).message), /minimum of -1/);
      const missing = await getConsole('00000000-0000-0000-0000-000000000000');
      assert.equal(missing.status, 404);
      assert.match(String((missing.body.itemNotFound as { message: string }).message), /could not be found/);
      lab!.cloud.store.mutate((s) => Object.assign(s.servers.find((x) => x.id === ids.s2)!, { status: 'BUILD', vmState: 'building' }));
      assert.deepEqual(await getConsole(ids.s2!), { status: 409, body: { conflictingRequest: { code: 409, message: `Instance ${ids.s2} is not ready` } } });
      lab!.cloud.store.mutate((s) => Object.assign(s.servers.find((x) => x.id === ids.s3)!, { status: 'ERROR', vmState: 'error' }));
      assert.deepEqual(await getConsole(ids.s3!), { status: 404, body: { itemNotFound: { code: 404, message: 'Guest does not have a console available.' } } });
    });

    it('the null driver says it has no consoles: 501', async () => {
      await start(new NullVmDriver());
      const r = await getConsole(ids.s1!);
      assert.equal(r.status, 501);
      assert.match(String((r.body.notImplemented as { message: string }).message), /null VM driver runs no machine/);
    });
  });
});
