import assert from 'node:assert/strict';
import { hostsMatch, knownHostsName, linesFor, parseKnownHosts } from '../../lib/remote/known-hosts.ts';
import { keyBlobType, sameFingerprint, sha256Fingerprint } from '../../lib/remote/fingerprint.ts';

// Made with ssh-keygen (OpenSSH 9.2): two public keys, then `ssh-keygen -H` over
// a known_hosts file listing them for 198.18.0.11 and [198.18.0.12]:2222.
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAID0P2AaNPuRqpz2j+fttqMpS8+pq5dOKb9QDP2o1jDt/';
const ECDSA = 'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI2eBTtL0Nlb7FYzfIPPtBD5t0YD+WA1eYF2l5jiKzKagUcWJKYBSk/ao1ppBpZNJvgD8JvK80GZd6gGOXLSlj8=';
const HASHED = `|1|vl0l1JJW4xWmp3IzQM6NMlhbJus=|GhCEikI6vgJIOS0EHCl1Wm3ZSe4= ssh-ed25519 ${ED25519}
|1|yZe2IbP2eZAxEdcPsSEJ2EifUwY=|GH0/ITyVymmB83y4I82zhwVzbgc= ecdsa-sha2-nistp256 ${ECDSA}
`;

describe('known_hosts', () => {
  it('names a server as ssh does: bare on port 22, [address]:port elsewhere', () => {
    assert.equal(knownHostsName('198.18.0.11', 22), '198.18.0.11');
    assert.equal(knownHostsName('198.18.0.11', 2222), '[198.18.0.11]:2222');
  });

  it('matches entries hashed by ssh-keygen -H', () => {
    const [first, second] = parseKnownHosts(HASHED);
    assert.ok(first && second);
    assert.ok(hostsMatch(first.hosts, '198.18.0.11'));
    assert.ok(!hostsMatch(first.hosts, '198.18.0.12'));
    assert.ok(hostsMatch(second.hosts, '[198.18.0.12]:2222'));
    assert.ok(!hostsMatch(second.hosts, '198.18.0.12'));
  });

  it('matches plain lists, wildcards and negations', () => {
    assert.ok(hostsMatch('ctl1,198.18.0.11', '198.18.0.11'));
    assert.ok(hostsMatch('198.18.0.*', '198.18.0.13'));
    assert.ok(hostsMatch('[198.18.0.?]:2222', '[198.18.0.5]:2222'));
    assert.ok(!hostsMatch('198.18.0.*,!198.18.0.13', '198.18.0.13'));
    assert.ok(!hostsMatch('198.18.0.1', '198.18.0.11'));
  });

  it('skips comments, blank and malformed lines, and reads markers', () => {
    const lines = parseKnownHosts(`# comment\n\n198.18.0.11 ssh-ed25519\n@revoked * ssh-ed25519 ${ED25519}\n@cert-authority *.lab ssh-ed25519 ${ED25519}\n198.18.0.11 ssh-ed25519 ${ED25519} a comment\n`);
    assert.deepEqual(lines.map((l) => [l.line, l.marker, l.hosts]), [[4, 'revoked', '*'], [5, 'cert-authority', '*.lab'], [6, null, '198.18.0.11']]);
  });

  it('sorts the lines about a server into trusted and revoked, ignoring @cert-authority', () => {
    const lines = parseKnownHosts(`@revoked * ssh-ed25519 ${ED25519}\n@cert-authority * ssh-ed25519 ${ED25519}\n${HASHED}`);
    const about = linesFor(lines, '198.18.0.11', 22);
    assert.equal(about.trusted.length, 1);
    assert.equal(about.trusted[0]?.keyType, 'ssh-ed25519');
    assert.equal(about.revoked.length, 1);
  });
});

describe('host key fingerprints', () => {
  it('equal what ssh-keygen -lf prints', () => {
    assert.equal(sha256Fingerprint(Buffer.from(ED25519, 'base64')), 'SHA256:3wSwwLsd8Ei0frDNr/AkXvJEmxGr6k9F8D9Kwq0dvCg');
    assert.equal(sha256Fingerprint(Buffer.from(ECDSA, 'base64')), 'SHA256:sjXzg60QGZr0bfe26G2t3uUxNcL6S99AXdZE7IFkRZ8');
  });

  it('compare with or without base64 padding', () => {
    assert.ok(sameFingerprint('SHA256:3wSwwLsd8Ei0frDNr/AkXvJEmxGr6k9F8D9Kwq0dvCg=', 'SHA256:3wSwwLsd8Ei0frDNr/AkXvJEmxGr6k9F8D9Kwq0dvCg'));
  });

  it('read the key type from a key blob', () => {
    assert.equal(keyBlobType(Buffer.from(ECDSA, 'base64')), 'ecdsa-sha2-nistp256');
    assert.equal(keyBlobType(Buffer.from('xx')), '?');
  });
});
