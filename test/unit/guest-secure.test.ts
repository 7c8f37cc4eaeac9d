import assert from 'node:assert/strict';
import { decodeData, decryptData, derivedKey, encodeData, encryptData } from '../../lab/guest/oslo/crypto.ts';
import { ConductorGuestSerializer, decryptJson, encryptJson, SecureSerializer } from '../../lab/guest/oslo/secure.ts';
import { asPython, vectors } from '../support/guest-vectors.ts';

// Vectors come from trove.common.crypto_utils and Trove's serializers (make-vectors.py).
const { key } = vectors;

describe('guest secure RPC (trove crypto_utils vectors)', () => {
  it('derives the AES key as the ASCII hex MD5 of the key string', () => {
    const k = derivedKey(key);
    assert.equal(k.length, 32);
    assert.match(k.toString('ascii'), /^[0-9a-f]{32}$/);
  });

  for (const v of vectors.encrypt_fixed_iv) {
    it(`encrypts like Python with the same IV: ${v.json.slice(0, 30)}`, () => {
      assert.equal(encryptJson(asPython(v.value, v.float), key, Buffer.from(v.iv_hex, 'hex')), v.b64);
      assert.equal(encodeData(encryptData(v.json, key, Buffer.from(v.iv_hex, 'hex'))), v.b64);
    });
  }

  for (const v of vectors.encrypt_random_iv) {
    it(`decrypts Python's ciphertext: ${v.json.slice(0, 30)}`, () => {
      assert.equal(decryptData(decodeData(v.b64), key).toString('utf8'), v.json);
    });
  }

  it('decrypts with a short key too', () => {
    const o = vectors.encrypt_other_key;
    assert.deepEqual(decryptJson(o.b64, o.key), JSON.parse(o.json));
  });

  it('SecureSerializer reads what Trove sends and Trove can read what it writes', () => {
    const s = new SecureSerializer(key);
    const ss = vectors.secure_serializer;
    assert.deepEqual(s.deserializeEntity(ss.entity.wire), ss.entity.value);
    assert.deepEqual(s.deserializeContext(ss.context.wire), ss.context.value);
    const mine = s.serializeEntity(ss.entity.value) as string;
    assert.notEqual(mine, ss.entity.wire, 'fresh IV per message');
    assert.deepEqual(decryptJson(mine, key), ss.entity.value);
    const ctx = s.serializeContext(ss.context.value);
    assert.deepEqual(Object.keys(ctx), ['context']);
    assert.deepEqual(decryptJson(ctx.context, key), ss.context.value);
  });

  it('SecureSerializer passes undecryptable entities through, as Python does', () => {
    const s = new SecureSerializer(key);
    assert.equal(s.deserializeEntity(null), null);
    assert.equal(s.deserializeEntity(5), 5);
    assert.equal(s.deserializeEntity('not base64 at all!'), 'not base64 at all!');
    assert.equal(s.deserializeEntity(vectors.encrypt_other_key.b64), vectors.encrypt_other_key.b64, 'wrong key -> garbage -> passthrough');
    assert.throws(() => s.deserializeContext({ user: 'clear' }), { name: 'KeyError' });
  });

  it('without a key everything is clear text', () => {
    const s = new SecureSerializer(null);
    assert.deepEqual(s.serializeEntity({ a: 1 }), { a: 1 });
    assert.deepEqual(s.deserializeContext({ user: 'u' }), { user: 'u' });
    assert.deepEqual(new ConductorGuestSerializer('', 'g').serializeEntity(3), 3);
  });

  it('ConductorGuestSerializer has the exact shape of the Python one', () => {
    const c = vectors.conductor_guest_serializer;
    const s = new ConductorGuestSerializer(key, c.guest_id);
    const mine = s.serializeEntity(c.entity.value) as string;
    const theirs = JSON.parse(c.entity.wire) as Record<string, string>;
    const parsed = JSON.parse(mine) as Record<string, string>;
    assert.deepEqual(Object.keys(parsed), Object.keys(theirs));
    assert.equal(parsed['csz-instance-id'], c.guest_id);
    assert.match(mine, /^\{"entity": "[A-Za-z0-9+/=]+", "csz-instance-id": "inst-0001"\}$/);
    assert.deepEqual(decryptJson(parsed.entity, key), c.entity.value);
    assert.deepEqual(decryptJson(theirs.entity, key), c.entity.value);
    const ctx = s.serializeContext(c.context.value);
    assert.deepEqual(Object.keys(ctx), Object.keys(c.context.wire));
    assert.deepEqual(decryptJson(ctx.context, key), c.context.value);
  });
});
