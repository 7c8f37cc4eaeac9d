// Failures as oslo.messaging serialises them into a reply's "failure" field
// (_drivers/common.py serialize_remote_exception): a JSON *string* of
// {class, module, message, tb, args, kwargs}. The caller re-raises the class if
// its module is "builtins" or in allowed_remote_exmods (Trove allows
// trove.common.exception), else raises oslo_messaging.RemoteError(class, message).
import { pyJsonDumps } from './py-json.ts';

export const BUILTINS = 'builtins';
export const DISPATCHER_MODULE = 'oslo_messaging.rpc.dispatcher';
export const TROVE_EXCEPTIONS = 'trove.common.exception';

/** An error that knows which Python exception it stands for on the wire. */
export class RemoteFailure extends Error {
  constructor(
    readonly pyClass: string,
    readonly pyModule: string,
    message: string,
    readonly args: unknown[] = [message],
    readonly kwargs: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = pyClass;
  }
}

/** oslo_messaging.rpc.dispatcher.NoSuchMethod: unknown or private method on a compatible endpoint. */
export const noSuchMethod = (method: string): RemoteFailure =>
  new RemoteFailure('NoSuchMethod', DISPATCHER_MODULE, `Endpoint does not support RPC method ${method}`);

/** oslo_messaging.rpc.dispatcher.UnsupportedVersion: no endpoint accepts this version/namespace. */
export function unsupportedVersion(version: string, method?: string): RemoteFailure {
  let msg = `Endpoint does not support RPC version ${version}`;
  if (method) msg = `${msg}. Attempted method: ${method}`;
  return new RemoteFailure('UnsupportedVersion', DISPATCHER_MODULE, msg);
}

/** A Python builtin exception (TypeError, KeyError, RuntimeError, NotImplementedError...). */
export const builtin = (pyClass: string, message: string, args: unknown[] = [message]): RemoteFailure => new RemoteFailure(pyClass, BUILTINS, message, args);

/** trove.common.exception.<cls>(message): re-raised as that class by Trove (allowed_remote_exmods). */
export const troveError = (pyClass: string, message: string, kwargs: Record<string, unknown> = {}): RemoteFailure =>
  new RemoteFailure(pyClass, TROVE_EXCEPTIONS, message, [message], kwargs);

/** Any error as the failure a Python guest would have sent; plain JS errors become RuntimeError. */
export function toRemoteFailure(err: unknown): RemoteFailure {
  if (err instanceof RemoteFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  const failure = builtin('RuntimeError', message);
  if (err instanceof Error && err.stack) failure.stack = err.stack;
  return failure;
}

/** traceback.format_exception()-like lines; the frames are ours (TypeScript), the last line is Python's. */
function traceback(f: RemoteFailure, where: string): string[] {
  const frames = (f.stack ?? '')
    .split('\n')
    .slice(1, 9)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '))
    .map((l) => `  File "trove-lab-guest (TypeScript)", ${l}\n`);
  const qualified = f.pyModule === BUILTINS ? f.pyClass : `${f.pyModule}.${f.pyClass}`;
  return ['Traceback (most recent call last):\n', `  File "trove-lab-guest (TypeScript)", in ${where}\n`, ...frames, `${qualified}: ${f.message}\n`];
}

/** The reply's failure string, keys in oslo's order. */
export function serializeFailure(err: unknown, where = 'dispatch'): string {
  const f = toRemoteFailure(err);
  return pyJsonDumps({ class: f.pyClass, module: f.pyModule, message: f.message, tb: traceback(f, where), args: f.args, kwargs: f.kwargs });
}
