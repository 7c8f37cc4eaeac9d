// The toxic types this server implements, with toxiproxy's attribute names,
// units and defaults (a missing attribute is 0, as Go's zero value):
//   latency     latency, jitter (ms): each chunk is held until it arrived + latency ± jitter
//   bandwidth   rate (KB/s, 1 KB = 1000 bytes): data paced to that rate; 0 = unlimited
//   slow_close  delay (ms): the close (FIN) is forwarded that much later
//   timeout     timeout (ms): no data passes; the connection is closed after
//               timeout ms, or held open until the toxic goes when timeout = 0
//   reset_peer  timeout (ms): the connection is reset (TCP RST) after timeout ms
//   limit_data  bytes: the connection is closed once that many bytes have passed
import { ErrBadRequestBody, ErrInvalidStream, ErrInvalidToxicType } from './errors.ts';

export type Stream = 'upstream' | 'downstream';

const attributeNames = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  limit_data: ['bytes'],
} as const;

export type ToxicType = keyof typeof attributeNames;

export interface ToxicJson {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

/** A toxic on a proxy. `revision` changes on every update, so links restart its timers as toxiproxy restarts its pipe. */
export interface Toxic extends ToxicJson {
  revision: number;
}

let revisions = 0;

function isToxicType(t: unknown): t is ToxicType {
  return typeof t === 'string' && Object.hasOwn(attributeNames, t);
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw ErrBadRequestBody.with(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

/** Attributes of `type` from a request, over `base`; unknown keys are ignored as Go's json decoder ignores them. */
function attributes(type: ToxicType, input: unknown, base: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const given = input === undefined ? {} : asObject(input, 'attributes');
  for (const key of attributeNames[type]) {
    const v = given[key] ?? base[key] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw ErrBadRequestBody.with(`attribute ${key} of a ${type} toxic must be a number, got ${JSON.stringify(v)}`);
    out[key] = Math.trunc(v);
  }
  return out;
}

function toxicity(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw ErrBadRequestBody.with(`toxicity must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** A new toxic from a POST /proxies/{proxy}/toxics body. */
export function newToxic(body: unknown): Toxic {
  const b = asObject(body, 'toxic');
  if (!isToxicType(b.type)) {
    if (b.type !== undefined && typeof b.type !== 'string') throw ErrBadRequestBody.with('type must be a string');
    throw ErrInvalidToxicType;
  }
  const stream = b.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw ErrInvalidStream;
  if (b.name !== undefined && typeof b.name !== 'string') throw ErrBadRequestBody.with('name must be a string');
  const name = (b.name as string | undefined) || `${b.type}_${stream}`;
  return { name, type: b.type, stream, toxicity: toxicity(b.toxicity, 1), attributes: attributes(b.type, b.attributes, {}), revision: ++revisions };
}

/** The toxic after a POST /proxies/{proxy}/toxics/{toxic} body: toxicity and attributes change; name, type and stream stay. */
export function updatedToxic(current: Toxic, body: unknown): Toxic {
  const b = asObject(body, 'toxic');
  return {
    ...current,
    toxicity: toxicity(b.toxicity, current.toxicity),
    attributes: attributes(current.type, b.attributes, current.attributes),
    revision: ++revisions,
  };
}

export function toxicJson(t: Toxic): ToxicJson {
  return { name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity, attributes: { ...t.attributes } };
}

