import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/env/errors.ts';
import { hostKeyCheck } from '../../lib/remote/host-key-check.ts';

// Public keys made with ssh-keygen; see known-hosts.test.ts.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAID0P2AaNPuRqpz2j+fttqMpS8+pq5dOKb9QDP2o1jDt/';
const ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI2eBTtL0Nlb7FYzfIPPtBD5t0YD+WA1eYF2l5jiKzKagUcWJKYBSk/ao1ppBpZNJvgD8JvK80GZd6gGOXLSlj8=';
const blob = (key: string) => Buffer.from(key, 'base64');

describe('hostKeyCheck', () => {
  let dir = '';
  const knownHosts = (text: string) => {
    const file = join(dir, `known_hosts.${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, text);
    return { knownHostsFile: file };
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'trove-ha-hostkey-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the pinned fingerprint and refuses any other key', () => {
    const check = hostKeyCheck({ fingerprint: 'SHA256:3wSwwLsd8Ei0frDNr/AkXvJEmxGr6k9F8D9Kwq0dvCg' }, '198.18.0.11', 22, 'nodes.ctl1.ssh.hostKey');
    assert.equal(check.refusal(blob(ED25519)), null);
    assert.equal(check.refusal(blob(ECDSA)), 'it does not match the fingerprint SHA256:3wSwwLsd8Ei0frDNr/AkXvJEmxGr6k9F8D9Kwq0dvCg pinned in nodes.ctl1.ssh.hostKey');
    assert.equal(check.serverHostKeyAlgorithms, undefined);
  });

  it('accepts a key known_hosts lists for [address]:port and asks for that key type', () => {
    const check = hostKeyCheck(knownHosts(`[198.18.0.11]:2222 ecdsa-sha2-nistp256 ${ECDSA}\n`), '198.18.0.11', 2222, 'ssh.hostKey');
    assert.equal(check.refusal(blob(ECDSA)), null);
    assert.deepEqual(check.serverHostKeyAlgorithms, ['ecdsa-sha2-nistp256']);
    assert.match(check.refusal(blob(ED25519)) ?? '', /^it is not among the 1 key\(s\) .* lists for \[198\.18\.0\.11\]:2222 \(ecdsa-sha2-nistp256\); the ssh-ed25519 key may have changed/);
  });

  it('offers every RSA signature algorithm for an ssh-rsa entry', () => {
    const rsaBlob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.alloc(8)]).toString('base64');
    const check = hostKeyCheck(knownHosts(`198.18.0.11 ssh-rsa ${rsaBlob}\n`), '198.18.0.11', 22, 'ssh.hostKey');
    assert.deepEqual(check.serverHostKeyAlgorithms, ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  it('refuses a server with no entry, saying how to add one', () => {
    const check = hostKeyCheck(knownHosts(`198.18.0.12 ssh-ed25519 ${ED25519}\n`), '198.18.0.11', 22, 'ssh.hostKey');
    assert.match(check.refusal(blob(ED25519)) ?? '', /has no entry for 198\.18\.0\.11; add the node's key \(e\.g\. ssh-keyscan -p 22 198\.18\.0\.11\) after checking it out of band$/);
  });

  it('refuses a revoked key even if listed', () => {
    const check = hostKeyCheck(knownHosts(`198.18.0.11 ssh-ed25519 ${ED25519}\n@revoked 198.18.0.* ssh-ed25519 ${ED25519}\n`), '198.18.0.11', 22, 'ssh.hostKey');
    assert.match(check.refusal(blob(ED25519)) ?? '', /marked @revoked in .*:2$/);
  });

  it('reports a missing known_hosts file as a ConfigError naming the field', () => {
    assert.throws(() => hostKeyCheck({ knownHostsFile: join(dir, 'absent') }, '198.18.0.11', 22, 'nodes.ctl1.ssh.hostKey'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^nodes\.ctl1\.ssh\.hostKey: cannot read known_hosts file .*absent \(ENOENT\)/);
      return true;
    });
  });
});
