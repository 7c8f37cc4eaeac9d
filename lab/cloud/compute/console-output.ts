// POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}} → 200
// {"output": "…"}, as Nova does it: the request schema first (400), then the
// server (404), then the driver's console log (409 InstanceNotReady, 404
// ConsoleNotAvailable, 501 when the driver has no consoles), tailed by the
// compute manager's _tail_log and cleaned as the API does.
import type { Cloud } from '../cloud.ts';
import { ApiError, badRequest, conflict, notFound } from '../errors.ts';
import { isObj } from '../input.ts';
import { json, type Reply, type RequestContext } from '../router.ts';
import { ConsoleUnavailable } from '../vm-driver.ts';
import { findServer } from './servers.ts';

const invalid = (field: string, value: unknown, why: string) => badRequest(`Invalid input for field/attribute ${field}. Value: ${typeof value === 'string' ? value : JSON.stringify(value)}. ${why}`);

/**
 * `length` as Nova's schema takes it (nova/api/openstack/compute/schemas/
 * console_output.py): an integer, a string of one, or null/absent (= the whole
 * log); at least -1. Nova's `minimum` binds only JSON numbers, so it would take
 * the string "-5" (and return all but the first five lines); the lab refuses
 * it like the number.
 */
export function parseConsoleLength(action: unknown): number | null {
  if (!isObj(action)) throw invalid('os-getConsoleOutput', action, `${JSON.stringify(action)} is not of type 'object'`);
  const extra = Object.keys(action).filter((k) => k !== 'length');
  if (extra.length) throw badRequest(`Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
  const v = action.length;
  if (v === undefined || v === null) return null;
  let n: number;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) n = Number(v);
  else if (typeof v === 'string') throw invalid('length', v, `'${v}' does not match '^-?[0-9]+$'`);
  else throw invalid('length', v, `${JSON.stringify(v)} is not of type 'integer', 'string', 'null'`);
  if (n < -1) throw invalid('length', v, `${n} is less than the minimum of -1`);
  return n;
}

/**
 * nova.compute.manager._tail_log: the last `length` pieces of the log split
 * on "\n" (so a log ending in a newline gives length-1 lines and that newline),
 * 0 → nothing, and -1, which the API documents as "unlimited", gives
 * log.split('\n')[1:]: everything but the first line, as Nova really does.
 */
export function tailLog(log: Buffer, length: number | null): Buffer {
  if (length === null) return log;
  if (length === 0) return Buffer.alloc(0);
  const pieces = log.toString('latin1').split('\n');
  return Buffer.from(pieces.slice(-length).join('\n'), 'latin1');
}

/**
 * Nova decodes the bytes as ASCII with replacement (every non-ASCII byte
 * becomes U+FFFD), then strips control characters but tab and newline.
 */
export function consoleText(log: Buffer): string {
  let out = '';
  for (const b of log) out += b < 0x80 ? String.fromCharCode(b) : '\uFFFD';
  return out.replace(/[\x00-\x08\x0B-\x1F]/g, '');
}

export async function consoleOutputAction(cloud: Cloud, ctx: RequestContext, id: string, action: unknown): Promise<Reply> {
  const length = parseConsoleLength(action);
  const server = findServer(cloud.store.state, id, ctx.identity);
  let log: Buffer;
  try {
    log = await cloud.driver.consoleOutput(server);
  } catch (e) {
    if (!(e instanceof ConsoleUnavailable)) throw e;
    if (e.reason === 'not-ready') throw conflict(e.message);
    if (e.reason === 'unavailable') throw notFound(e.message);
    throw new ApiError(501, e.message);
  }
  return json(200, { output: consoleText(tailLog(log, length)) });
}
