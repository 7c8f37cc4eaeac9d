// Pure decisions of the Trove waits: given what the API shows now, is the wait
// done, still pending, or failed (so it stops at once instead of timing out)?

import type { BackupStatus, InstanceStatus } from '../openstack/database-types.ts';

export type Verdict = { state: 'done' } | { state: 'pending' } | { state: 'failed'; reason: string };

const done: Verdict = { state: 'done' };
const pending: Verdict = { state: 'pending' };
const failed = (reason: string): Verdict => ({ state: 'failed', reason });

/** Instance states that never lead to ACTIVE on their own. */
export const INSTANCE_FAILED_STATES: readonly string[] = ['ERROR', 'FAILED'];

/** What an instance wait is for. */
export type InstanceTarget =
  /** ACTIVE with the datastore HEALTHY: usable. */
  | 'ready'
  /** Trove asks for a restart to apply a configuration value. */
  | 'restart-required'
  /** Either of the two: a task that may or may not need a restart has finished. */
  | 'settled';

export interface InstanceView {
  status: InstanceStatus | string;
  operating_status?: string;
  /** Admin view only: the compute server once the taskmanager made one, '' or null before. */
  server_id?: string | null;
}

/** How long a build may go without a compute server before the wait concludes the taskmanager never started it. */
export const BUILD_NO_SERVER_STALL_MS = 120_000;

/**
 * A BUILD that has no compute server long after the create: the taskmanager
 * gave up before it asked compute for one (for a replica, getting the
 * primary's snapshot failed), and Trove leaves such an instance in BUILD
 * forever. `server_id` must come from an admin view; undefined means unknown.
 */
export function buildStalled(i: InstanceView, elapsedMs: number, stallMs = BUILD_NO_SERVER_STALL_MS): Verdict | undefined {
  if (String(i.status) !== 'BUILD' || elapsedMs <= stallMs || i.server_id === undefined) return undefined;
  if (i.server_id) return undefined;
  return failed(`still BUILD with no compute server after ${Math.round(elapsedMs / 1000)} s: the taskmanager never started the build (see its log)`);
}

export function instanceVerdict(i: InstanceView, target: InstanceTarget): Verdict {
  const status = String(i.status);
  if (INSTANCE_FAILED_STATES.includes(status)) return failed(`instance went ${status}${i.operating_status ? ` (operating_status ${i.operating_status})` : ''}`);
  if (target === 'restart-required' || target === 'settled') {
    if (status === 'RESTART_REQUIRED') return done;
    if (target === 'restart-required') return pending;
  }
  // Trove 18: status ACTIVE and the guest's datastore status HEALTHY. An older
  // Trove has no operating_status; there ACTIVE alone means ready.
  if (status === 'ACTIVE' || status === 'HEALTHY') {
    if (i.operating_status === undefined || i.operating_status === 'HEALTHY') return done;
    if (/ERROR|FAILED|CRASHED/i.test(i.operating_status)) return failed(`instance ${status} but its datastore reports ${i.operating_status}`);
  }
  return pending;
}

/**
 * A backup's progress. A guest that implements backups takes a NEW backup to
 * BUILDING within seconds (it reports the start to the conductor first); one
 * that stays NEW past `stallMs` was never started by the guest, which is the
 * symptom of a guest agent without create_backup: say so instead of waiting
 * for the full timeout.
 */
export function backupVerdict(b: { status: BackupStatus | string }, elapsedMs: number, stallMs: number): Verdict {
  switch (b.status) {
    case 'COMPLETED':
      return done;
    case 'FAILED':
    case 'DELETE_FAILED':
      return failed(`backup went ${b.status}`);
    case 'NEW':
      if (elapsedMs > stallMs) return failed(`backup still NEW after ${Math.round(elapsedMs / 1000)} s: the guest agent never started it (no create_backup support on this site's guest?)`);
      return pending;
    default:
      return pending;
  }
}

/** A resource being deleted: gone (404) is done; ERROR while deleting fails at once. */
export function goneVerdict(seen: { gone: true } | { gone: false; status: string }): Verdict {
  if (seen.gone) return done;
  if (/ERROR|FAILED/.test(seen.status)) return failed(`delete stopped with status ${seen.status}`);
  return pending;
}
