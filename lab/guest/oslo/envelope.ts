// The oslo.messaging 2.0 envelope and the inner RPC message, as built by
// oslo_messaging/_drivers/common.py (serialize_msg/deserialize_msg) and
// amqp.py (pack_context/unpack_context/_add_unique_id), and amqpdriver.py
// (_send for requests, AMQPIncomingMessage._send_reply for replies).
// Key order follows the Python dict insertion order, so our JSON text is the
// text Python would produce (see py-json.ts).
import { randomUUID } from 'node:crypto';
import { pyJsonDumps } from './py-json.ts';
import { versionIsCompatible } from './version.ts';

export const ENVELOPE_VERSION = '2.0';
const VERSION_KEY = 'oslo.version';
const MESSAGE_KEY = 'oslo.message';
const CONTEXT_PREFIX = '_context_';

/** uuid.uuid4().hex: what oslo uses for _msg_id, _unique_id and reply/fanout queue suffixes. */
export const newId = (): string => randomUUID().replaceAll('-', '');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json } | object;

/** The inner message of a request (cast or call), after unpacking. */
export interface RpcRequest {
  method: string;
  args: Record<string, unknown>;
  version: string;
  namespace: string | null;
  /** `_context_*` keys without the prefix. */
  context: Record<string, unknown>;
  uniqueId: string | null;
  /** Set for calls only. */
  msgId: string | null;
  replyQueue: string | null;
  /** `_timeout`: the caller's call_monitor_timeout (seconds) or null. */
  clientTimeout: number | null;
}

export class UnsupportedEnvelopeVersion extends Error {}

/** serialize_msg: the envelope as the message body text. */
export function serializeEnvelope(inner: Record<string, unknown>): string {
  return pyJsonDumps({ [VERSION_KEY]: ENVELOPE_VERSION, [MESSAGE_KEY]: pyJsonDumps(inner) });
}

/** deserialize_msg: un-enveloped dicts pass through (oslo case 1.b). */
export function deserializeEnvelope(body: Buffer | string): Record<string, unknown> {
  const outer = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
  if (outer === null || typeof outer !== 'object' || Array.isArray(outer)) throw new TypeError('message body is not a JSON object');
  const o = outer as Record<string, unknown>;
  if (!(VERSION_KEY in o && MESSAGE_KEY in o)) return o;
  if (typeof o[VERSION_KEY] !== 'string' || !versionIsCompatible(ENVELOPE_VERSION, o[VERSION_KEY] as string)) {
    throw new UnsupportedEnvelopeVersion(`unsupported oslo envelope version ${String(o[VERSION_KEY])}`);
  }
  const inner = JSON.parse(String(o[MESSAGE_KEY])) as unknown;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw new TypeError('oslo.message is not a JSON object');
  return inner as Record<string, unknown>;
}

/** unpack_context + the fields the dispatcher reads (method, args, version default "1.0", namespace). */
export function parseRequest(inner: Record<string, unknown>): RpcRequest {
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inner)) {
    if (key.startsWith(CONTEXT_PREFIX)) context[key.slice(CONTEXT_PREFIX.length)] = value;
  }
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const args = inner.args;
  return {
    method: typeof inner.method === 'string' ? inner.method : '',
    args: args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
    version: str(inner.version) ?? '1.0',
    namespace: str(inner.namespace),
    context,
    uniqueId: str(inner._unique_id),
    msgId: str(inner._msg_id),
    replyQueue: str(inner._reply_q),
    clientTimeout: typeof inner._timeout === 'number' ? inner._timeout : null,
  };
}

export interface RequestSpec {
  method: string;
  args: Record<string, unknown>;
  version?: string;
  namespace?: string;
  context: Record<string, unknown>;
  /** For calls: our reply queue; adds _msg_id, _reply_q and _timeout like RPCClient.call. */
  call?: { msgId: string; replyQueue: string; callMonitorTimeout: number | null };
}

/** The inner message RPCClient builds: method, args, [namespace], [version], [_msg_id, _reply_q, _timeout], _unique_id, _context_*. */
export function buildRequest(spec: RequestSpec, uniqueId = newId()): Record<string, unknown> {
  const msg: Record<string, unknown> = { method: spec.method, args: spec.args };
  if (spec.namespace !== undefined) msg.namespace = spec.namespace;
  if (spec.version !== undefined) msg.version = spec.version;
  if (spec.call) {
    msg._msg_id = spec.call.msgId;
    msg._reply_q = spec.call.replyQueue;
    msg._timeout = spec.call.callMonitorTimeout;
  }
  msg._unique_id = uniqueId;
  for (const [key, value] of Object.entries(spec.context)) msg[`${CONTEXT_PREFIX}${key}`] = value;
  return msg;
}

/** AMQPIncomingMessage._send_reply: {result, failure, ending, _msg_id, _unique_id}. */
export function buildReply(msgId: string, result: unknown, failure: string | null, ending = true, uniqueId = newId()): Record<string, unknown> {
  return { result: failure === null ? (result ?? null) : null, failure, ending, _msg_id: msgId, _unique_id: uniqueId };
}
