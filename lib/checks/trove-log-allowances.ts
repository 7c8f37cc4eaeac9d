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

/**
 * oslo.messaging's rabbit driver logs every broker connection it loses and
 * each failed reconnect at ERROR ("AMQP server on <host>:<port> is
 * unreachable", "Connection failed: ... (retrying in N seconds)"), then fails
 * over to another broker. Expected only where a broker was taken away or cut
 * off on purpose; a MessagingTimeout or anything logged by Trove itself still
 * fails.
 */
export const AMQP_RECONNECT: LogAllowance = {
  pattern: /ERROR oslo\.messaging\._drivers\.impl_rabbit /,
  reason: "oslo.messaging's rabbit driver lost a connection to the broker taken away and reconnected",
};

/**
 * A query in flight on a connection that the fault cut (its path ran through
 * the VIP holder that lost the VIP): the API request it served fails, and
 * trove-api logs it (trove/common/wsgi.py, LOG.exception). Expected only where
 * the fault moves the address the database is reached through; the clients'
 * side of it is what the API probes count.
 */
export const QUERY_CUT_BY_VIP_MOVE: LogAllowance = {
  pattern: /ERROR trove\.common\.wsgi .*\(pymysql\.err\.OperationalError\) \(2013, 'Lost connection to MySQL server during query'\)/,
  reason: 'a request whose query was in flight through the old VIP holder failed when the database VIP moved (the API probe counts the failed requests)',
};

/**
 * The same cut, seen by SQLAlchemy when a session hands the connection back:
 * the pool's rollback-on-return fails on the dead connection and the pool logs
 * it (sqlalchemy/pool/base.py _finalize_fairy), then discards the connection.
 * Seen from trove-conductor (its heartbeat updates) when the API VIP, which
 * carries the Galera endpoint, moved.
 */
export const POOL_RESET_CUT_BY_VIP_MOVE: LogAllowance = {
  pattern: /ERROR sqlalchemy\.pool\.impl\.QueuePool \[[^\]]*\] Exception during reset or similar: pymysql\.err\.OperationalError: \(2013, 'Lost connection to MySQL server during query'\)/,
  reason: 'a pooled connection the database VIP move cut failed its rollback on return to the pool, which discarded it',
};

/** Where a fault moves the address the database is reached through. */
export const DATABASE_VIP_MOVE_ALLOWANCES: readonly LogAllowance[] = [QUERY_CUT_BY_VIP_MOVE, POOL_RESET_CUT_BY_VIP_MOVE];
