// The SSH executor against real OpenSSH servers on loopback: a "bastion"
// sshd on 127.0.0.1 (ed25519 + rsa host keys) and an "inner" sshd on
// 127.0.0.2 (ecdsa host key) reached through it. Needs root (sshd).
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../../lib/env/schema.ts';
import { HostKeyRefusedError, Remote, RemoteCommandError, RemoteConnectError, RemoteTimeoutError, type CommandEvent, type RemoteOptions } from '../../lib/remote/index.ts';
import { freePort } from '../support/free-port.ts';
import { ensurePrivsepDir, startSshd, type Sshd } from '../support/sshd.ts';
import { generateKey, hashKnownHosts, keyPart, opensshFingerprint } from '../support/ssh-keys.ts';
import { testEnvironment } from '../support/test-environment.ts';

const KEY_VARIABLE = 'TROVE_HA_TEST_SSH_KEY';

describe('Remote over a real sshd', function () {
  this.timeout(30_000);
  let dir = '';
  let outer: Sshd | undefined;
  let inner: Sshd | undefined;
  let silent: Server | undefined;
  const silentSockets = new Set<Socket>();
  const closeSilent = () =>
    new Promise<void>((resolve) => {
      if (!silent) return resolve();
      for (const socket of silentSockets) socket.destroy();
      silent.close(() => resolve());
    });
  let removePrivsepDir: (() => void) | undefined;
  let env: Environment;
  let outerFingerprint = '';
  const remotes: Remote[] = [];
  const remote = (options?: RemoteOptions) => {
    const r = new Remote(env, options);
    remotes.push(r);
    return r;
  };
  const accepted = (sshd: Sshd) => (sshd.log().match(/Accepted publickey for root/g) ?? []).length;

  before(async function () {
    if (process.getuid?.() !== 0) {
      throw new Error('these tests start /usr/sbin/sshd, which needs root; run them as root (they are not skipped, so a non-root run cannot look green)');
    }
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-ssh-'));
    removePrivsepDir = ensurePrivsepDir();
    const clientKey = join(dir, 'id_ed25519');
    const clientPublic = generateKey(clientKey, 'ed25519');
    // A key nobody trusts: a wrong client key and a wrong host key in one.
    const strangerPublic = generateKey(join(dir, 'stranger'), 'ed25519');
    outer = await startSshd({ dir: join(dir, 'outer'), address: '127.0.0.1', hostKeyTypes: ['ed25519', 'rsa'], authorizedKeys: clientPublic, logLevel: 'DEBUG1' });
    inner = await startSshd({ dir: join(dir, 'inner'), address: '127.0.0.2', hostKeyTypes: ['ecdsa'], authorizedKeys: clientPublic });
    outerFingerprint = opensshFingerprint(outer.hostKeys.ed25519!.publicFile);
    const outerName = `[127.0.0.1]:${outer.port}`;
    const outerEd25519 = keyPart(outer.hostKeys.ed25519!.publicLine);

    // known_hosts: the bastion in plain text, the inner node hashed by ssh-keygen -H.
    const knownHosts = join(dir, 'known_hosts');
    const hashed = join(dir, 'known_hosts.inner');
    writeFileSync(hashed, `[127.0.0.2]:${inner.port} ${keyPart(inner.hostKeys.ecdsa!.publicLine)}\n`);
    hashKnownHosts(hashed);
    writeFileSync(knownHosts, `# test known_hosts\n${outerName} ${outerEd25519}\n`);
    appendFileSync(knownHosts, readFileSync(hashed, 'utf8'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return { knownHostsFile: join(dir, name) };
    };

    // Accepts TCP and never speaks SSH: the connect deadline must fire.
    silent = createServer((socket) => {
      silentSockets.add(socket.resume());
      socket.on('close', () => silentSockets.delete(socket));
    });
    const silentPort = await freePort('127.0.0.1');
    await new Promise<void>((resolve) => silent!.listen(silentPort, '127.0.0.1', resolve));

    process.env[KEY_VARIABLE] = readFileSync(clientKey, 'utf8');
    const at = (port: number, ssh: Record<string, unknown> = {}) => ({ address: '127.0.0.1', ssh: { port, ...ssh } });
    env = testEnvironment({
      ssh: { user: 'root', privateKey: { file: clientKey }, hostKey: { knownHostsFile: knownHosts } },
      nodes: {
        bastion: at(outer.port),
        'bastion-rsa': at(outer.port, { hostKey: file('known_hosts.rsa', `${outerName} ${keyPart(outer.hostKeys.rsa!.publicLine)}\n`) }),
        'bastion-fp': at(outer.port, { hostKey: { fingerprint: outerFingerprint }, privateKey: { env: KEY_VARIABLE } }),
        'wrong-fp': at(outer.port, { hostKey: { fingerprint: opensshFingerprint(join(dir, 'stranger.pub')) } }),
        // A bare address entry is for port 22 only, as in ssh; this sshd is on another port.
        unlisted: at(outer.port, { hostKey: file('known_hosts.bare', `127.0.0.1 ${outerEd25519}\n`) }),
        changed: at(outer.port, { hostKey: file('known_hosts.changed', `${outerName} ${keyPart(strangerPublic)}\n`) }),
        revoked: at(outer.port, { hostKey: file('known_hosts.revoked', `@revoked * ${outerEd25519}\n${outerName} ${outerEd25519}\n`) }),
        untrusted: at(outer.port, { privateKey: { file: join(dir, 'stranger') } }),
        silent: at(silentPort),
        inner: { address: '127.0.0.2', ssh: { port: inner.port, jumpHost: 'bastion' } },
      },
      timeouts: { sshConnectMs: 2000, sshCommandMs: 10_000 },
    });
  });

  afterEach(async () => {
    await Promise.all(remotes.splice(0).map((r) => r.close()));
  });

  after(async () => {
    // Sessions end with our connections; then the servers, each by its PID, whatever failed before.
    await Promise.allSettled(remotes.splice(0).map((r) => r.close()));
    await Promise.allSettled([outer?.stop(), inner?.stop(), closeSilent()]);
    removePrivsepDir?.();
    delete process.env[KEY_VARIABLE];
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('commands', () => {
    it('returns stdout, stderr, the exit code and the duration', async () => {
      const result = await remote().exec('bastion', 'echo out; echo err >&2; exit 3', { allowFail: true });
      assert.equal(result.node, 'bastion');
      assert.equal(result.stdout, 'out\n');
      assert.equal(result.stderr, 'err\n');
      assert.equal(result.code, 3);
      assert.equal(result.signal, null);
      assert.ok(result.durationMs >= 0);
    });

    it('writes input to stdin and closes it', async () => {
      const result = await remote().exec('bastion', 'cat; echo done', { input: 'line from the harness\n' });
      assert.equal(result.stdout, 'line from the harness\ndone\n');
      // Without input, stdin is closed at once, so a reader does not hang.
      assert.equal((await remote().exec('bastion', 'wc -c')).stdout.trim(), '0');
    });

    it('throws RemoteCommandError naming node, command, exit code and stderr tail', async () => {
      const command = 'echo first >&2; echo "the reason" >&2; exit 7';
      await assert.rejects(remote().exec('bastion', command), (error: unknown) => {
        assert.ok(error instanceof RemoteCommandError);
        assert.equal(error.result.code, 7);
        assert.match(error.message, /^node bastion: command exited with code 7: echo first/);
        assert.ok(error.message.includes(command));
        assert.match(error.message, /stderr \(last 2 lines\) ---\nfirst\nthe reason$/);
        return true;
      });
    });

    it('reports a command killed by a signal', async () => {
      const result = await remote().exec('bastion', 'kill -KILL $$', { allowFail: true });
      assert.equal(result.code, null);
      assert.equal(result.signal, 'KILL');
      await assert.rejects(remote().exec('bastion', 'kill -KILL $$'), /node bastion: command was killed by signal KILL/);
    });

    it('masks secrets in errors and events but returns the output as is', async () => {
      const events: CommandEvent[] = [];
      const r = remote({ onCommand: (e) => events.push(e) });
      await assert.rejects(r.exec('bastion', 'echo s3cr3t-value >&2; exit 1', { secrets: ['s3cr3t-value'] }), (error: Error) => {
        assert.ok(!error.message.includes('s3cr3t-value'), error.message);
        assert.match(error.message, /echo \*\*\* >&2/);
        return true;
      });
      const ok = await r.exec('bastion', 'echo s3cr3t-value', { secrets: ['s3cr3t-value'] });
      assert.equal(ok.stdout, 's3cr3t-value\n');
      assert.ok(!JSON.stringify(events.map((e) => ({ ...e, error: e.phase === 'end' ? e.error?.message : undefined }))).includes('s3cr3t-value'));
    });

    it('times out a command: kills it, closes its channel and says so', async function () {
      const r = remote();
      const started = Date.now();
      await assert.rejects(r.exec('bastion', 'echo partial; sleep 31.7', { timeoutMs: 500 }), (error: unknown) => {
        assert.ok(error instanceof RemoteTimeoutError);
        assert.equal(error.timeoutMs, 500);
        assert.equal(error.stdout, 'partial\n');
        assert.match(error.message, /^node bastion: command timed out after 500 ms; closed its channel and killed its processes \(pid \d+(, \d+)*\): echo partial; sleep 31\.7$/);
        return true;
      });
      assert.ok(Date.now() - started < 3000, 'the timeout did not fire in time');
      // The remote sleep is gone, and the connection is still usable.
      await waitUntil(async () => (await r.exec('bastion', 'pgrep -f "sleep 31[.]7"', { allowFail: true })).code === 1, 'the timed-out command still runs on the node');
      assert.equal(r.connectionsOpened('bastion'), 1);
    });

    it('reports start and end of each command to onCommand', async () => {
      const events: CommandEvent[] = [];
      const r = remote({ onCommand: (e) => events.push(e) });
      await r.exec('bastion', 'true');
      await assert.rejects(r.exec('bastion', 'false'));
      assert.deepEqual(events.map((e) => [e.phase, e.id, e.command]), [['start', 1, 'true'], ['end', 1, 'true'], ['start', 2, 'false'], ['end', 2, 'false']]);
      const [, firstEnd, , secondEnd] = events;
      assert.ok(firstEnd?.phase === 'end' && firstEnd.result?.code === 0 && !firstEnd.error);
      assert.ok(secondEnd?.phase === 'end' && secondEnd.error instanceof RemoteCommandError && secondEnd.result?.code === 1);
    });
  });

  describe('host keys', () => {
    it('accepts a key pinned by a plain known_hosts entry for [address]:port (ed25519)', async () => {
      assert.equal((await remote().exec('bastion', 'echo ok')).stdout, 'ok\n');
    });

    it('asks for the key type known_hosts lists: an rsa-only entry works on a server that prefers ed25519', async () => {
      assert.equal((await remote().exec('bastion-rsa', 'echo ok')).stdout, 'ok\n');
    });

    it('accepts a key pinned by its OpenSSH SHA256 fingerprint (private key from an env var)', async () => {
      assert.equal((await remote().exec('bastion-fp', 'echo ok')).stdout, 'ok\n');
    });

    it('refuses a key that does not match the pinned fingerprint, naming node, address and presented key', async () => {
      await assert.rejects(remote().exec('wrong-fp', 'echo never'), (error: unknown) => {
        assert.ok(error instanceof HostKeyRefusedError);
        assert.equal(error.presentedFingerprint, outerFingerprint);
        assert.ok(error.message.startsWith(`node wrong-fp (127.0.0.1:${outer!.port}) presented host key ${outerFingerprint}, which is refused: it does not match the fingerprint SHA256:`), error.message);
        return true;
      });
    });

    it('refuses a server known_hosts has no entry for (a bare address entry covers port 22 only)', async () => {
      await assert.rejects(remote().exec('unlisted', 'echo never'), (error: unknown) => {
        assert.ok(error instanceof HostKeyRefusedError);
        assert.match(error.message, new RegExp(`known_hosts\\.bare \\(nodes\\.unlisted\\.ssh\\.hostKey\\) has no entry for \\[127\\.0\\.0\\.1\\]:${outer!.port}`));
        return true;
      });
    });

    it('refuses a changed key', async () => {
      await assert.rejects(remote().exec('changed', 'echo never'), (error: unknown) => {
        assert.ok(error instanceof HostKeyRefusedError);
        assert.match(error.message, /presented host key SHA256:\S+, which is refused: it is not among the 1 key\(s\) .*known_hosts\.changed lists for \[127\.0\.0\.1\]:\d+ \(ssh-ed25519\); the ssh-ed25519 key may have changed/);
        return true;
      });
    });

    it('refuses a key marked @revoked even when another line lists it', async () => {
      await assert.rejects(remote().exec('revoked', 'echo never'), /which is refused: it is marked @revoked in .*known_hosts\.revoked:1/);
    });
  });

  describe('connections', () => {
    it('fails clearly when the node does not trust our key', async () => {
      await assert.rejects(remote().exec('untrusted', 'echo never'), (error: unknown) => {
        assert.ok(error instanceof RemoteConnectError);
        assert.match(error.message, /^node untrusted \(127\.0\.0\.1:\d+\) as root: public key authentication failed/);
        return true;
      });
    });

    it('gives up connecting after timeouts.sshConnectMs', async () => {
      const started = Date.now();
      await assert.rejects(remote().exec('silent', 'echo never'), /^RemoteConnectError: node silent \(127\.0\.0\.1:\d+\): no SSH session within 2000 ms \(timeouts\.sshConnectMs\)$/);
      const took = Date.now() - started;
      assert.ok(took >= 1900 && took < 4000, `took ${took} ms`);
    });

    it('reuses one connection for sequential commands (counted by the pool and in the sshd log)', async () => {
      const before = accepted(outer!);
      const r = remote();
      await r.exec('bastion', 'true');
      await r.exec('bastion', 'true');
      await r.exec('bastion', 'true');
      assert.equal(r.connectionsOpened('bastion'), 1);
      assert.equal(accepted(outer!) - before, 1);
    });

    it('runs concurrent commands on one node over one connection, at most 8 channels at a time', async () => {
      const r = remote();
      // Each command reports when it ran on the node; overlapping intervals prove concurrency
      // however loaded the machine is, and their peak shows the channel limit at work.
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => r.exec('bastion', `date +%s%N; sleep 0.5; echo ${i}; date +%s%N`)));
      const spans = results.map((x, i) => {
        const [begin, index, end] = x.stdout.trim().split('\n');
        assert.equal(index, String(i));
        return { begin: Number(begin), end: Number(end) };
      });
      const peak = Math.max(...spans.map((a) => spans.filter((b) => b.begin <= a.begin && a.begin < b.end).length));
      assert.ok(peak >= 2, `commands never overlapped (peak ${peak})`);
      assert.ok(peak <= 8, `more than 8 commands ran at once (peak ${peak}); sshd MaxSessions is 10`);
      assert.equal(r.connectionsOpened('bastion'), 1);
    });

    it('opens a new connection after the old one drops', async () => {
      const r = remote();
      assert.match((await r.exec('bastion', 'echo $PPID')).stdout, /^\d+\n$/);
      // Kill this session's sshd process from inside: the connection drops mid-command.
      await assert.rejects(r.exec('bastion', 'kill -KILL $PPID; sleep 5'), /bastion/);
      await waitUntil(async () => {
        const result = await r.exec('bastion', 'echo back').catch(() => undefined);
        return result?.stdout === 'back\n';
      }, 'no new connection after the drop');
      assert.equal(r.connectionsOpened('bastion'), 2);
    });

    it('reaches a node through its jump host (hashed ecdsa known_hosts entry)', async () => {
      const r = remote();
      const result = await r.exec('inner', 'echo $SSH_CONNECTION');
      // SSH_CONNECTION = client ip, client port, server ip, server port: the inner sshd served it.
      assert.match(result.stdout, new RegExp(` 127\\.0\\.0\\.2 ${inner!.port}\\n$`));
      assert.equal(r.connectionsOpened('bastion'), 1);
      assert.equal(r.connectionsOpened('inner'), 1);
      // The bastion's sshd opened the TCP connection to the inner node for us.
      assert.match(outer!.log(), new RegExp(`server_request_direct_tcpip: originator 127\\.0\\.0\\.1 port 0, target 127\\.0\\.0\\.2 port ${inner!.port}`));
    });

    it('refuses new commands after close()', async () => {
      const r = remote();
      await r.exec('bastion', 'true');
      await r.close();
      await assert.rejects(r.exec('bastion', 'true'), /this Remote is closed/);
    });
  });
});

async function waitUntil(condition: () => Promise<boolean>, failure: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(failure);
}
