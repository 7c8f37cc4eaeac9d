import assert from 'node:assert/strict';
import { describeLogErrors, errorRecords, judgeLogs, type LogTail } from '../../lib/checks/service-logs.ts';
import { AMQP_RECONNECT, DATABASE_RECONNECT, POOL_RESET_CUT_BY_VIP_MOVE, QUERY_CUT_BY_VIP_MOVE } from '../../lib/checks/trove-log-allowances.ts';

const log = { service: 'trove-conductor', node: 'ctl2', file: '/var/log/trove/trove-conductor.log' };
// oslo.log lines as Trove 18 writes them (date, time, pid, level, logger, context).
const lines = [
  '2026-11-22 03:03:20.101 4242 INFO trove.conductor.manager [-] [instance: 6f1c] heartbeat received',
  '2026-11-22 03:03:21.555 4242 ERROR oslo.messaging._drivers.impl_rabbit [-] [9d1e] AMQP server on 198.18.0.13:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.',
  '2026-11-22 03:03:22.010 4242 WARNING trove.common.utils [-] slow',
  '2026-11-22 03:03:23.001 4242 ERROR trove.taskmanager.models [req-1 admin demo] Failed to create instance 6f1c: boom',
  '2026-11-22 03:03:23.001 4242 ERROR trove.taskmanager.models Traceback (most recent call last):',
  '2026-11-22 03:03:23.001 4242 ERROR trove.taskmanager.models   File "/usr/lib/python3/dist-packages/trove/taskmanager/models.py", line 1, in f',
  '2026-11-22 03:03:23.001 4242 ERROR trove.taskmanager.models RuntimeError: boom',
  'Traceback (most recent call last):',
  '  File "/usr/bin/trove-conductor", line 10, in <module>',
];
const tail = (l: string[]): LogTail => ({ log, lines: l, rotated: false, truncated: false });

describe('service log checks', () => {
  it('groups an oslo.log record with its traceback lines and counts stray tracebacks', () => {
    const r = errorRecords([tail(lines)]);
    assert.equal(r.length, 3);
    assert.match(r[0]!.lines[0]!, /AMQP server on 198\.18\.0\.13:5672 is unreachable/);
    assert.equal(r[1]!.lines.length, 4, 'the record and its three traceback lines');
    assert.match(r[2]!.lines[0]!, /^Traceback/);
  });

  it('passes a clean log, fails one with an unexplained record, and honours allowances with their reason', () => {
    assert.equal(judgeLogs([tail(lines.slice(0, 1))])[0]!.ok, true);
    const bad = judgeLogs([tail(lines)])[0]!;
    assert.equal(bad.ok, false);
    assert.match(bad.message, /3 ERROR\/Traceback record\(s\)/);
    const allowance = { pattern: /AMQP server on .* is unreachable/, reason: 'a RabbitMQ node was stopped on purpose' };
    const amqpOnly = [tail(lines.slice(0, 3))];
    const ok = judgeLogs(amqpOnly, [allowance])[0]!;
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /1 expected record/);
    assert.match(describeLogErrors(amqpOnly, [allowance]), /\[expected: a RabbitMQ node was stopped on purpose\]/);
  });

  it('keeps a record whose message runs over unprefixed lines together with its traceback (oslo.db, seen in the lab)', () => {
    const db = [
      "2026-12-06 00:49:22.591 10581 ERROR oslo_db.sqlalchemy.engines [-] Database connection was found disconnected; reconnecting: oslo_db.exception.DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
      '[SQL: SELECT 1]',
      '(Background on this error at: https://sqlalche.me/e/14/e3q8)',
      '2026-12-06 00:49:22.591 10581 ERROR oslo_db.sqlalchemy.engines Traceback (most recent call last):',
      '2026-12-06 00:49:22.591 10581 ERROR oslo_db.sqlalchemy.engines   File "/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", line 1900, in _execute_context',
      '2026-12-06 00:49:22.600 10581 INFO trove.common.wsgi [-] next request',
      '2026-12-06 00:49:22.591 10581 ERROR oslo_db.sqlalchemy.engines Traceback (most recent call last):',
    ];
    const r = errorRecords([tail(db)], [{ pattern: /Database connection was found disconnected/, reason: 'VIP moved' }]);
    assert.equal(r.length, 2, JSON.stringify(r, null, 1));
    assert.equal(r[0]!.lines.length, 3);
    assert.equal(r[0]!.allowedBecause, 'VIP moved');
    assert.equal(r[1]!.allowedBecause, undefined, 'a record after another line of the log is a record of its own');
  });

  it('does not take an INFO line that mentions ERROR for an error', () => {
    const info = '2026-11-22 03:03:20.101 4242 INFO trove.instance.models [-] Instance 6f1c status changed to ERROR';
    assert.equal(errorRecords([tail([info])]).length, 0);
  });

  it('the catalogued recovery records match what Trove wrote in the lab, and nothing of Trove itself', () => {
    // Lines from the lab's Trove logs during the RabbitMQ and keepalived scenarios.
    const amqp = [
      '2026-12-06 00:54:30.101 10581 ERROR oslo.messaging._drivers.impl_rabbit [-] [947bf8c1-a335-4b53-8de2-499000c80a4b] AMQP server on 198.18.0.13:5672 is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.: ConnectionRefusedError: [Errno 111] ECONNREFUSED',
      '2026-12-06 00:54:30.201 10583 ERROR oslo.messaging._drivers.impl_rabbit [-] Connection failed: [Errno 111] ECONNREFUSED (retrying in 0 seconds): ConnectionRefusedError: [Errno 111] ECONNREFUSED',
    ];
    for (const l of amqp) assert.ok(AMQP_RECONNECT.pattern.test(l), l);
    const db = "2026-12-06 00:49:22.591 10581 ERROR oslo_db.sqlalchemy.engines [-] Database connection was found disconnected; reconnecting: oslo_db.exception.DBConnectionError: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')";
    assert.ok(DATABASE_RECONNECT.pattern.test(db));
    const trove = [
      '2026-11-22 05:47:43.883 7718 ERROR trove.guestagent.api [-] Error calling get_filesystem_stats: oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID 3986931715654e75b598c619e24869f7',
      "2026-12-06 00:52:50.100 10583 ERROR trove.common.wsgi [-] 16d30ba9-dcba-4eed-8ebe-b11d264aca68: (pymysql.err.OperationalError) (2013, 'Lost connection to MySQL server during query')",
    ];
    for (const l of trove) for (const a of [AMQP_RECONNECT, DATABASE_RECONNECT]) assert.ok(!a.pattern.test(l), `${a.reason} must not explain: ${l}`);
    assert.ok(QUERY_CUT_BY_VIP_MOVE.pattern.test(trove[1]!), 'the request cut by a database VIP move');
    assert.ok(!QUERY_CUT_BY_VIP_MOVE.pattern.test(trove[0]!));
    assert.ok(!QUERY_CUT_BY_VIP_MOVE.pattern.test("2026-12-06 00:52:50.100 10583 ERROR trove.common.wsgi [-] 16d3: (pymysql.err.OperationalError) (1213, 'Deadlock found when trying to get lock')"));
    // trove-conductor on ctl3 when the API VIP (and Galera endpoint) moved off ctl1 (run 20261206-035528-6bd5).
    const poolReset = "2026-12-06 03:56:36.372 12110 ERROR sqlalchemy.pool.impl.QueuePool [-] Exception during reset or similar: pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query')";
    assert.ok(POOL_RESET_CUT_BY_VIP_MOVE.pattern.test(poolReset));
    for (const l of [...trove, db]) assert.ok(!POOL_RESET_CUT_BY_VIP_MOVE.pattern.test(l), l);
    assert.ok(!POOL_RESET_CUT_BY_VIP_MOVE.pattern.test(poolReset.replace('2013', '1205').replace('Lost connection to MySQL server during query', 'Lock wait timeout exceeded')));
  });
});
