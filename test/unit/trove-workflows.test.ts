// The pure parts of lib/trove: names that carry the run id, the wait verdicts
// (fail fast on ERROR, stalled backups), the polling loop on a fake clock, the
// run ledger, the cleanup stack and the leak diff.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { carriesRunId, harnessRunIdIn, resourceName, runTag, sqlName } from '../../lib/trove/naming.ts';
import { backupVerdict, goneVerdict, instanceVerdict } from '../../lib/trove/verdict.ts';
import { poll, TroveWaitError } from '../../lib/trove/poll.ts';
import { readLedger, recordResource, type LedgerEntry } from '../../lib/trove/ledger.ts';
import { findLeaks, type Inventory } from '../../lib/trove/leaks.ts';
import { swiftLocation } from '../../lib/trove/backups.ts';
import { Cleanup } from '../../lib/trove/cleanup.ts';
import { deletedInstanceLogAllowance } from '../../lib/trove/instances.ts';

const RUN = '20261122-031500-a3f9';
const OTHER = '20261121-231501-0b1c';

describe('lib/trove naming', () => {
  it('puts the run id in resource names and a compact tag in SQL names', () => {
    assert.equal(resourceName(RUN, 'instance'), 'trove-ha-20261122-031500-a3f9-instance');
    assert.equal(runTag(RUN), '031500a3f9');
    assert.equal(sqlName(RUN, 'u'), 'u_031500a3f9');
    assert.ok(sqlName(RUN, 'cfg').length <= 16);
  });

  it('refuses names Trove or MySQL would refuse', () => {
    assert.throws(() => resourceName(RUN, 'Bad Name'), /lower-case/);
    assert.throws(() => sqlName(RUN, 'toolongname'), /longer than 16 characters/);
    assert.throws(() => sqlName(RUN, '1x'), /starting with a letter/);
    assert.throws(() => runTag('yesterday'), /expected the form/);
  });

  it('tells this run\'s names from other runs\'', () => {
    assert.ok(carriesRunId(resourceName(RUN, 'backup'), RUN));
    assert.ok(carriesRunId(sqlName(RUN, 'db'), RUN));
    assert.ok(!carriesRunId(resourceName(OTHER, 'backup'), RUN));
    assert.ok(!carriesRunId(undefined, RUN));
    assert.equal(harnessRunIdIn(resourceName(OTHER, 'x')), OTHER);
    assert.equal(harnessRunIdIn('somebody-elses-db'), undefined);
  });
});

describe('lib/trove wait verdicts', () => {
  it('an instance is ready at ACTIVE with its datastore HEALTHY, pending before', () => {
    assert.deepEqual(instanceVerdict({ status: 'BUILD', operating_status: '' }, 'ready'), { state: 'pending' });
    assert.deepEqual(instanceVerdict({ status: 'ACTIVE', operating_status: '' }, 'ready'), { state: 'pending' });
    assert.deepEqual(instanceVerdict({ status: 'ACTIVE', operating_status: 'HEALTHY' }, 'ready'), { state: 'done' });
    // An older Trove without operating_status.
    assert.deepEqual(instanceVerdict({ status: 'ACTIVE' }, 'ready'), { state: 'done' });
  });

  it('fails fast on ERROR, whatever the target', () => {
    for (const target of ['ready', 'restart-required', 'settled'] as const) {
      const v = instanceVerdict({ status: 'ERROR', operating_status: '' }, target);
      assert.equal(v.state, 'failed');
    }
    assert.equal(instanceVerdict({ status: 'ACTIVE', operating_status: 'CRASHED' }, 'ready').state, 'failed');
  });

  it('restart-required waits for RESTART_REQUIRED; settled takes either end', () => {
    assert.deepEqual(instanceVerdict({ status: 'ACTIVE', operating_status: 'HEALTHY' }, 'restart-required'), { state: 'pending' });
    assert.deepEqual(instanceVerdict({ status: 'RESTART_REQUIRED', operating_status: 'HEALTHY' }, 'restart-required'), { state: 'done' });
    assert.deepEqual(instanceVerdict({ status: 'RESTART_REQUIRED' }, 'settled'), { state: 'done' });
    assert.deepEqual(instanceVerdict({ status: 'ACTIVE', operating_status: 'HEALTHY' }, 'settled'), { state: 'done' });
  });

  it('a backup fails on FAILED, and when it never leaves NEW (a guest without backups)', () => {
    assert.deepEqual(backupVerdict({ status: 'NEW' }, 1000, 60_000), { state: 'pending' });
    assert.deepEqual(backupVerdict({ status: 'BUILDING' }, 120_000, 60_000), { state: 'pending' });
    assert.deepEqual(backupVerdict({ status: 'COMPLETED' }, 5000, 60_000), { state: 'done' });
    assert.equal(backupVerdict({ status: 'FAILED' }, 5000, 60_000).state, 'failed');
    const stalled = backupVerdict({ status: 'NEW' }, 61_000, 60_000);
    assert.equal(stalled.state, 'failed');
    assert.match((stalled as { reason: string }).reason, /never started it .*create_backup/);
  });

  it('a delete is done at 404 and fails on ERROR', () => {
    assert.deepEqual(goneVerdict({ gone: true }), { state: 'done' });
    assert.deepEqual(goneVerdict({ gone: false, status: 'SHUTDOWN' }), { state: 'pending' });
    assert.equal(goneVerdict({ gone: false, status: 'ERROR' }).state, 'failed');
  });
});

describe('lib/trove poll loop (fake clock)', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  };

  it('returns the value and the distinct states it went through', async () => {
    const seq = ['BUILD', 'BUILD', 'ACTIVE/', 'ACTIVE/HEALTHY'];
    let i = 0;
    const r = await poll('x', async () => seq[i++]!, (s) => (s === 'ACTIVE/HEALTHY' ? { state: 'done' } : { state: 'pending' }), (s) => s, { timeoutMs: 10_000, intervalMs: 1000, ...clock() });
    assert.deepEqual(r.states, ['BUILD', 'ACTIVE/', 'ACTIVE/HEALTHY']);
    assert.equal(r.elapsedMs, 3000);
  });

  it('stops at once on a failed verdict, with what it saw', async () => {
    const c = clock();
    let calls = 0;
    await assert.rejects(
      poll('instance i1 ready', async () => (++calls === 1 ? 'BUILD' : 'ERROR'), (s) => (s === 'ERROR' ? { state: 'failed', reason: 'instance went ERROR' } : { state: 'pending' }), (s) => s, { timeoutMs: 600_000, ...c }),
      (e: unknown) => e instanceof TroveWaitError && e.kind === 'failed' && /instance went ERROR after 1\.0 s \(states: BUILD -> ERROR\)/.test(e.message) && e.last === 'ERROR',
    );
    assert.equal(calls, 2);
  });

  it('treats fetch errors as transient and times out naming the last thing seen', async () => {
    await assert.rejects(
      poll('backup b1 COMPLETED', async () => { throw new Error('502 Bad Gateway\nmore'); }, () => ({ state: 'done' }), String, { timeoutMs: 5000, intervalMs: 1000, ...clock() }),
      (e: unknown) => e instanceof TroveWaitError && e.kind === 'timeout' && /timed out after 5\.0 s waiting for backup b1 COMPLETED; last seen: error: 502 Bad Gateway \(/.test(e.message),
    );
  });
});

describe('lib/trove ledger, cleanup and leak diff', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'trove-ledger-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the ledger keeps what was recorded, in order', () => {
    assert.deepEqual(readLedger(dir), []);
    recordResource(dir, { kind: 'instance', id: 'i1', name: 'a', by: 'spec' });
    recordResource(dir, { kind: 'swift-prefix', id: 'mysql-i1/general/', name: 'log', container: 'database_logs' });
    const l = readLedger(dir);
    assert.deepEqual(l.map((e) => [e.kind, e.id, e.container]), [['instance', 'i1', undefined], ['swift-prefix', 'mysql-i1/general/', 'database_logs']]);
    assert.match(l[0]!.at, /^\d{4}-\d\d-\d\dT/);
  });

  it('cleanup runs every undo newest first, even after a failure, and then reports the failures', async () => {
    const c = new Cleanup();
    const order: string[] = [];
    c.add('first', async () => void order.push('first'));
    c.add('broken', async () => { order.push('broken'); throw new Error('409 Conflict'); });
    const early = c.add('last', async () => void order.push('last'));
    await early();
    await early(); // once only
    assert.deepEqual(c.pending, ['first', 'broken']);
    await assert.rejects(c.run(), /cleanup left things behind[\s\S]*broken: 409 Conflict/);
    assert.deepEqual(order, ['last', 'broken', 'first']);
  });

  it('a failed early undo is tried again by the cleanup', async () => {
    const c = new Cleanup();
    let tries = 0;
    const undo = c.add('flaky', async () => { if (++tries === 1) throw new Error('busy'); });
    await assert.rejects(undo(), /busy/);
    await c.run();
    assert.equal(tries, 2);
  });

  const empty: Inventory = { instances: [], backups: [], configurations: [], datastores: [], servers: [], ports: [], swiftObjects: [] };
  const at = '2026-11-22T03:15:00Z';
  const ledger: LedgerEntry[] = [
    { kind: 'instance', id: 'inst-1', name: resourceName(RUN, 'instance'), at },
    { kind: 'backup', id: 'bk-1', name: resourceName(RUN, 'backup'), at },
    { kind: 'swift-prefix', id: 'mysql-inst-1/general/', name: 'general log', container: 'database_logs', at },
  ];

  it('nothing left: no leaks', () => {
    assert.deepEqual(findLeaks(RUN, ledger, empty), { leaks: [], otherRuns: {} });
  });

  it('finds this run\'s leftovers by ledger, by name, by Trove port name and by Swift prefix or backup id', () => {
    const inv: Inventory = {
      ...empty,
      instances: [{ id: 'inst-1', name: 'renamed' }, { id: 'x', name: 'customer-db' }],
      backups: [{ id: 'bk-2', name: resourceName(RUN, 'backup2') }],
      configurations: [{ id: 'c1', name: resourceName(RUN, 'config') }],
      datastores: [{ id: 'd1', name: 'mysql' }, { id: 'd2', name: resourceName(RUN, 'datastore') }],
      servers: [{ id: 's1', name: 'vm', metadata: { trove_instance_id: 'inst-1' } }, { id: 's2', name: 'unrelated' }],
      ports: [{ id: 'p1', name: 'trove-inst-1', device_id: 's1' }, { id: 'p2', name: '', device_id: 's1' }, { id: 'p3', name: 'x', device_id: 's2' }],
      swiftObjects: [
        { container: 'database_logs', name: 'mysql-inst-1/general/log-0001' },
        { container: 'database_backups', name: 'bk-1.xbstream.gz.enc' },
        { container: 'database_backups', name: 'someone-else.xbstream.gz.enc' },
      ],
    };
    const { leaks } = findLeaks(RUN, ledger, inv);
    assert.deepEqual(
      leaks.map((l) => `${l.kind}:${l.id}`),
      ['instance:inst-1', 'backup:bk-2', 'configuration:c1', 'datastore:d2', 'server:s1', 'port:p1', 'port:p2', 'swift-object:database_logs/mysql-inst-1/general/log-0001', 'swift-object:database_backups/bk-1.xbstream.gz.enc'],
    );
    assert.equal(leaks[0]!.why, 'in the run ledger');
    assert.equal(leaks.find((l) => l.id === 'p2')!.why, 'port of leaked server s1');
  });

  it('other runs\' leftovers are attributed to them, not to this run', () => {
    const inv: Inventory = { ...empty, instances: [{ id: 'old', name: resourceName(OTHER, 'instance') }] };
    const r = findLeaks(RUN, ledger, inv);
    assert.deepEqual(r.leaks, []);
    assert.deepEqual(Object.keys(r.otherRuns), [OTHER]);
  });
});

describe('lib/trove backup location', () => {
  it('splits a locationRef into container and object', () => {
    assert.deepEqual(swiftLocation('http://proxy.polex.io:8080/v1/AUTH_abc/database_backups/bk-1.xbstream.gz.enc'), { container: 'database_backups', object: 'bk-1.xbstream.gz.enc' });
    assert.throws(() => swiftLocation('http://x/elsewhere'), /not a Swift object URL/);
  });
});

describe('lib/trove stalled builds', () => {
  it('a BUILD without a compute server past the bound fails; with one, or unknown, or early, it does not', async () => {
    const { buildStalled } = await import('../../lib/trove/verdict.ts');
    assert.equal(buildStalled({ status: 'BUILD', server_id: '' }, 121_000, 120_000)?.state, 'failed');
    assert.equal(buildStalled({ status: 'BUILD', server_id: null }, 121_000, 120_000)?.state, 'failed');
    assert.equal(buildStalled({ status: 'BUILD', server_id: 's1' }, 121_000, 120_000), undefined);
    assert.equal(buildStalled({ status: 'BUILD' }, 121_000, 120_000), undefined);
    assert.equal(buildStalled({ status: 'BUILD', server_id: '' }, 60_000, 120_000), undefined);
    assert.equal(buildStalled({ status: 'ACTIVE', server_id: '' }, 121_000, 120_000), undefined);
  });
});

describe('lib/trove deleted-instance log allowance', () => {
  // A real line of trove-api (the lab, an instance list during a delete).
  const line = (id: string) =>
    `2026-12-06 00:52:11.402 7718 ERROR trove.common.exception [None req-6b0f0e0c-6f7a-4a0e-9d7f-2f3c4a5b6c7d 4c1f admin] Cannot find compute instance 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 for instance ${id}.`;
  const deleted = '07736f45-2779-43e8-b2d3-97c67d5925ff';

  it('explains the line for an instance the harness deleted, not for any other', () => {
    const allow = deletedInstanceLogAllowance([deleted]);
    assert.ok(allow.pattern.test(line(deleted)));
    assert.ok(!allow.pattern.test(line('b4abf3b5-3396-4262-9469-b8031f313189')), 'a server vanishing under a live instance stays a finding');
    assert.ok(!allow.pattern.test(`${line(deleted).slice(0, -1)}0.`), 'a longer id that starts the same is another instance');
  });

  it('with no deleted instance it explains nothing', () => {
    assert.ok(!deletedInstanceLogAllowance([]).pattern.test(line(deleted)));
  });
});
