// oslo_messaging/rpc/dispatcher.py RPCDispatcher for one endpoint (the Trove
// guest manager, target version 1.1, namespace None, DefaultRPCAccessPolicy):
// version/namespace first (UnsupportedVersion), then the method (NoSuchMethod,
// also for "_private" names), then the call as Python would bind keyword
// arguments (TypeError on unknown or missing ones).
import type { RpcRequest } from './envelope.ts';
import { builtin, noSuchMethod, unsupportedVersion } from './failure.ts';
import type { Context, RpcSerializer } from './secure.ts';
import { versionIsCompatible } from './version.ts';

export interface CallInfo {
  method: string;
  /** The decrypted request context (Trove's TroveContext as a dict). */
  context: Context;
  /** A call expects a result; a cast does not. */
  isCall: boolean;
}

export interface RpcMethod {
  name: string;
  /** Keyword arguments without a default in the Python signature. */
  required?: readonly string[];
  /** Keyword arguments with a default. */
  optional?: readonly string[];
  /** The Python method takes **kwargs: accept anything. */
  anyArgs?: boolean;
  handler(args: Record<string, unknown>, call: CallInfo): unknown;
}

/** Where operations plug in; the dispatcher only ever serves what is registered here. */
export class MethodRegistry {
  private readonly methods = new Map<string, RpcMethod>();
  register(...methods: RpcMethod[]): this {
    for (const m of methods) {
      if (this.methods.has(m.name)) throw new Error(`RPC method ${m.name} registered twice`);
      this.methods.set(m.name, m);
    }
    return this;
  }
  get(name: string): RpcMethod | undefined {
    return this.methods.get(name);
  }
  names(): string[] {
    return [...this.methods.keys()].sort();
  }
}

export interface DispatcherOptions {
  /** The endpoint's target version (Trove guest API_LATEST_VERSION "1.1"). */
  version: string;
  registry: MethodRegistry;
  serializer: RpcSerializer;
}

function quoteList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length <= 2) return q.join(' and ');
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** Python's keyword binding errors, same wording as CPython 3.11. */
export function checkArguments(m: RpcMethod, args: Record<string, unknown>): void {
  if (m.anyArgs) return;
  const known = new Set([...(m.required ?? []), ...(m.optional ?? [])]);
  for (const name of Object.keys(args)) {
    if (!known.has(name)) throw builtin('TypeError', `${m.name}() got an unexpected keyword argument '${name}'`);
  }
  const missing = (m.required ?? []).filter((r) => !(r in args));
  if (missing.length > 0) {
    const n = missing.length;
    throw builtin('TypeError', `${m.name}() missing ${n} required positional argument${n > 1 ? 's' : ''}: ${quoteList(missing)}`);
  }
}

/** Finds the method or throws the failure oslo would send back. */
export function resolveMethod(req: Pick<RpcRequest, 'method' | 'version' | 'namespace'>, opts: Pick<DispatcherOptions, 'version' | 'registry'>): RpcMethod {
  let compatible: boolean;
  try {
    compatible = req.namespace === null && versionIsCompatible(opts.version, req.version);
  } catch (err) {
    // int('x') in Python: ValueError out of the dispatcher
    throw builtin('ValueError', `invalid literal for int() with base 10: ${JSON.stringify(req.version)}`);
  }
  if (!compatible) throw unsupportedVersion(req.version, req.method);
  const m = req.method.startsWith('_') ? undefined : opts.registry.get(req.method);
  if (!m) throw noSuchMethod(req.method);
  return m;
}

/** _do_dispatch: deserialize context and args, call, serialize the result. */
export async function dispatch(req: RpcRequest, opts: DispatcherOptions): Promise<unknown> {
  const m = resolveMethod(req, opts);
  const context = opts.serializer.deserializeContext(req.context);
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.args)) args[k] = opts.serializer.deserializeEntity(v);
  checkArguments(m, args);
  const result = await m.handler(args, { method: m.name, context, isCall: req.msgId !== null });
  return opts.serializer.serializeEntity(result ?? null);
}
