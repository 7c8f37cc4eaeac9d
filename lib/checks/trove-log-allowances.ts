// ERROR records Trove's services write on their way to recovering, which every
// log judge of a fault run explains rather than fails on. Each names the exact
// record and why it is expected; anything else at ERROR still fails.
import type { LogAllowance } from './service-logs.ts';

/**
 * oslo.db pings a pooled connection at checkout; one that a fault killed (its
 * path ran through a VIP holder that lost the VIP, or through HAProxy to a
 * Galera node that was stopped) fails the ping, and oslo.db logs this with
 * LOG.exception (oslo_db/sqlalchemy/engines.py) before it reconnects and the
 * operation goes on. A pool can keep such a connection idle long after the
 * fault, so it shows up in a later scenario too.
 */
export const DATABASE_RECONNECT: LogAllowance = {
  pattern: /ERROR oslo_db\.sqlalchemy\.engines .*Database connection was found disconnected; reconnecting/,
  reason: 'oslo.db found a pooled connection that a fault had killed and reconnected (the operation went on)',
};

/** What every judged scenario explains. */
export const RECOVERY_ALLOWANCES: readonly LogAllowance[] = [DATABASE_RECONNECT];
