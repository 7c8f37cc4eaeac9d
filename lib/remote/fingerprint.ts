// Host keys as they travel in SSH (the "key blob"): type name, then the key.
import { createHash } from 'node:crypto';

/** OpenSSH-style fingerprint of a key blob: `SHA256:` + unpadded base64, as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a blob starts with (e.g. ssh-ed25519), or '?' if it is not a well-formed blob. */
export function keyBlobType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '?';
  const length = keyBlob.readUInt32BE(0);
  if (length > 64 || keyBlob.length < 4 + length) return '?';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** Fingerprints compare without the optional base64 padding some tools print. */
export function sameFingerprint(a: string, b: string): boolean {
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}
