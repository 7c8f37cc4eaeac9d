// Key material for the SSH tests, made with the real ssh-keygen so the
// formats are exactly what operators have on disk.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

/** Writes `file` (private) and `file.pub`; returns the public line "type base64 comment". */
export function generateKey(file: string, type: KeyType): string {
  const size = type === 'rsa' ? ['-b', '2048'] : type === 'ecdsa' ? ['-b', '256'] : [];
  execFileSync('ssh-keygen', ['-q', '-t', type, ...size, '-N', '', '-C', `trove-ha-test-${type}`, '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

/** The SHA256 fingerprint as OpenSSH prints it (ssh-keygen -lf). */
export function opensshFingerprint(publicKeyFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`ssh-keygen printed no fingerprint for ${publicKeyFile}: ${out}`);
  return match[0];
}

/** "type base64" of a public key line, without the comment, for a known_hosts entry. */
export function keyPart(publicLine: string): string {
  return publicLine.split(/\s+/).slice(0, 2).join(' ');
}

/** Rewrites a known_hosts file with hashed host names, using ssh-keygen -H. */
export function hashKnownHosts(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
}
