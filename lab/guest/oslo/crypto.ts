// trove/common/crypto_utils.py, byte for byte:
//   key bytes = ASCII of hex(md5(utf8(key))) -> 32 bytes -> AES-256
//   wire = base64(IV(16 random) || AES-CBC(PKCS7(utf8(text))))
// Decryption strips padding exactly as unpad_after_decryption does (trusting
// the last byte, no validation), so garbage in gives garbage out, as in Python.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const IV_BYTE_COUNT = 16;

export const derivedKey = (key: string): Buffer => Buffer.from(createHash('md5').update(key, 'utf8').digest('hex'), 'ascii');

export function padForEncryption(data: Buffer, padSize = IV_BYTE_COUNT): Buffer {
  const count = padSize - (data.length % padSize);
  return Buffer.concat([data, Buffer.alloc(count, count)]);
}

export const unpadAfterDecryption = (data: Buffer): Buffer => (data.length === 0 ? data : data.subarray(0, data.length - data[data.length - 1]!));

/** encrypt_data: IV || ciphertext. `iv` is only for reproducing fixture vectors. */
export function encryptData(text: string | Buffer, key: string, iv: Buffer = randomBytes(IV_BYTE_COUNT)): Buffer {
  const cipher = createCipheriv('aes-256-cbc', derivedKey(key), iv.subarray(0, IV_BYTE_COUNT));
  cipher.setAutoPadding(false);
  const plain = padForEncryption(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return Buffer.concat([iv.subarray(0, IV_BYTE_COUNT), cipher.update(plain), cipher.final()]);
}

/** decrypt_data. Throws like `cryptography` does when the body isn't whole AES blocks. */
export function decryptData(data: Buffer, key: string): Buffer {
  const iv = data.subarray(0, IV_BYTE_COUNT);
  const body = data.subarray(IV_BYTE_COUNT);
  if (iv.length !== IV_BYTE_COUNT || body.length % 16 !== 0) throw new RangeError('The length of the provided data is not a multiple of the block length.');
  const decipher = createDecipheriv('aes-256-cbc', derivedKey(key), iv);
  decipher.setAutoPadding(false);
  return unpadAfterDecryption(Buffer.concat([decipher.update(body), decipher.final()]));
}

/** encode_data: oslo_serialization.base64.encode_as_text (standard alphabet, padded). */
export const encodeData = (data: Buffer): string => data.toString('base64');

/** decode_data: base64.b64decode (lenient about characters outside the alphabet, like Node). */
export function decodeData(text: string): Buffer {
  // b64decode rejects a wrong amount of padding; Node would silently accept it.
  const clean = text.replace(/[^A-Za-z0-9+/=]/g, '');
  if (clean.replace(/=+$/, '').length % 4 === 1) throw new RangeError('Invalid base64-encoded string');
  return Buffer.from(clean, 'base64');
}
