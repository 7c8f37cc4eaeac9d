// Reading request bodies: every accessor names the field in its 400 message,
// the way the services' schema validation does.
import { badRequest } from './errors.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** body[key] as an object, e.g. the {"server": {...}} envelope. */
export function envelope(body: unknown, key: string): Obj {
  if (!isObj(body) || !isObj(body[key])) throw badRequest(`Bad ${key} request: body must contain a '${key}' object`);
  return body[key] as Obj;
}

export function optString(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'string'`);
  return v;
}

export function reqString(o: Obj, key: string): string {
  const v = optString(o, key);
  if (v === undefined) throw badRequest(`Invalid input for field/attribute ${key}. '${key}' is a required property`);
  return v;
}

export function optBool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false|1|0|yes|no|on|off)$/i.test(v)) return /^(true|1|yes|on)$/i.test(v);
  throw badRequest(`Invalid input for ${key}. Reason: '${String(v)}' is not a valid boolean value.`);
}

/** An integer that may arrive as a JSON number or a numeric string (novaclient sends both). */
export function optInt(o: Obj, key: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. not an integer`);
  if (n < min || n > max) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${n}. must be between ${min} and ${max}`);
  return n;
}

export function optNumber(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. not a number`);
  return n;
}

export function optArray(o: Obj, key: string): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'array'`);
  return v;
}

export function stringMap(o: Obj, key: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw badRequest(`Invalid input for field/attribute ${key}. Value of '${k}' is not of type 'string'`);
    out[k] = val;
  }
  return out;
}

/** Query-string boolean as the services parse it (True/true/1). */
export function queryBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  return undefined;
}
