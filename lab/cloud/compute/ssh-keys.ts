// OpenSSH public keys for Nova keypairs: generation (Nova < 2.92 makes an RSA
// key when none is given and returns the private half once) and the MD5
// colon fingerprint Nova reports.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { badRequest } from '../errors.ts';

export interface GeneratedKey {
  publicKey: string;
  privateKey: string;
}

export function generateRsaKey(comment = 'Generated-by-Nova'): GeneratedKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(b64url(jwk.e!)), mpint(b64url(jwk.n!))]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/** MD5 fingerprint of an OpenSSH public key line (aa:bb:…), or 400 like Nova for garbage. */
export function fingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const blob = parts.length >= 2 ? Buffer.from(parts[1]!, 'base64') : Buffer.alloc(0);
  const typeLen = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (typeLen <= 0 || blob.length < 4 + typeLen || blob.subarray(4, 4 + typeLen).toString() !== parts[0]) {
    throw badRequest('Keypair data is invalid: failed to generate fingerprint');
  }
  return createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
}

function b64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function mpint(b: Buffer): Buffer {
  return sshString(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
