import { randomBytes } from 'node:crypto';

/**
 * A run id sorts by time and is unique across parallel runs on one site:
 * 20261121-231501-a3f9. Every resource a run creates carries it, so leftovers
 * of a crashed run are attributable.
 */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
