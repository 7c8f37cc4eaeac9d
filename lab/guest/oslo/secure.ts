// Trove's RPC serializers around oslo (trove/common/rpc/*.py), key = the
// instance's instance_rpc_encr_key (None/empty = secure RPC off: clear text).
//  - guest RPC server side: SecureSerializer(TroveRequestContextSerializer(None), key)
//    each arg, the result and the context are base64(IV || AES(json)).
//  - guest -> conductor client: ConductorGuestSerializer(..., key)
//    each arg is the JSON *string* {"entity": <enc>, "csz-instance-id": guest_id},
//    the context is {"context": <enc>, "csz-instance-id": guest_id}.
import { decodeData, decryptData, encodeData, encryptData } from './crypto.ts';
import { builtin } from './failure.ts';
import { pyJsonDumps } from './py-json.ts';

export type Context = Record<string, unknown>;

/** oslo_messaging.Serializer, without the per-entity ctxt argument Trove never uses here. */
export interface RpcSerializer {
  serializeEntity(entity: unknown): unknown;
  deserializeEntity(entity: unknown): unknown;
  serializeContext(ctxt: Context): Context;
  deserializeContext(ctxt: Context): Context;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** cu.encode_data(cu.encrypt_data(jsonutils.dumps(value), key)); `iv` only for fixture vectors. */
export const encryptJson = (value: unknown, key: string, iv?: Buffer): string => encodeData(encryptData(pyJsonDumps(value), key, iv));

/** jsonutils.loads(cu.decrypt_data(cu.decode_data(text), key)); throws where Python raises ValueError/TypeError. */
export function decryptJson(text: unknown, key: string): unknown {
  if (typeof text !== 'string') throw new TypeError('argument should be a bytes-like object or ASCII string');
  return JSON.parse(strictUtf8.decode(decryptData(decodeData(text), key))) as unknown;
}

const normaliseKey = (key: string | null | undefined): string | null => (key ? key : null);

/** Guest RPC server side (SecureSerializer). Undecryptable entities pass through unchanged, as in Python. */
export class SecureSerializer implements RpcSerializer {
  private readonly key: string | null;
  constructor(key: string | null | undefined) {
    this.key = normaliseKey(key);
  }
  serializeEntity(entity: unknown): unknown {
    return this.key === null ? entity : encryptJson(entity, this.key);
  }
  deserializeEntity(entity: unknown): unknown {
    if (this.key === null) return entity;
    try {
      return decryptJson(entity, this.key);
    } catch {
      return entity;
    }
  }
  serializeContext(ctxt: Context): Context {
    return this.key === null ? ctxt : { context: encryptJson(ctxt, this.key) };
  }
  deserializeContext(ctxt: Context): Context {
    if (this.key === null) return ctxt;
    // Python: ctxt['context'] raises KeyError (not caught) when a clear context arrives.
    if (!('context' in ctxt)) throw builtin('KeyError', "'context'", ['context']);
    try {
      const plain = decryptJson(ctxt.context, this.key);
      return plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Context) : ctxt;
    } catch {
      return ctxt;
    }
  }
}

/** Guest -> conductor (ConductorGuestSerializer); only the serialising half exists in Trove. */
export class ConductorGuestSerializer implements RpcSerializer {
  private readonly key: string | null;
  constructor(
    key: string | null | undefined,
    private readonly guestId: string,
  ) {
    this.key = normaliseKey(key);
  }
  serializeEntity(entity: unknown): unknown {
    if (this.key === null) return entity;
    return pyJsonDumps({ entity: encryptJson(entity, this.key), 'csz-instance-id': this.guestId });
  }
  deserializeEntity(): unknown {
    throw new Error('_deserialize_entity not implemented in ConductorGuestSerializer.');
  }
  serializeContext(ctxt: Context): Context {
    if (this.key === null) return ctxt;
    return { context: encryptJson(ctxt, this.key), 'csz-instance-id': this.guestId };
  }
  deserializeContext(): Context {
    throw new Error('_deserialize_context not implemented in ConductorGuestSerializer.');
  }
}
