import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { healAndCheck } from '../../cli/heal.ts';
import { faultContext, healJournal, Injector, killService, partitionNode } from '../../lib/faults/index.ts';
import { readJournal, recordInjection } from '../../lib/faults/journal.ts';
import { faultEnvironment, ipAddrOutput } from '../support/fault-environment.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) }), text: () => text };
}

describe('healJournal', () => {
  let dir = '';
  let journal = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-heal-'));
    journal = join(dir, 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (id: string, action: Record<string, unknown>, description = 'by hand') => ({ id, kind: 'test', target: 't', injectedAt: new Date().toISOString(), inverse: { description, action } });

  it('replays every open inverse from the file alone, newest first, and marks each healed', async () => {
    recordInjection(journal, entry('a', { op: 'service-start', service: 'galera', node: 'ctl1' }));
    recordInjection(journal, entry('b', { op: 'link-up', node: 'ha1', ifname: 'eth1' }));
    recordInjection(journal, entry('c', { op: 'signal', node: 'ctl2', pids: [12, 11], signal: 'CONT' }));
    recordInjection(journal, entry('d', { op: 'iptables-delete-tagged', node: 'ctl3', tag: 'trove-ha:partition-1' }));
    appendFileSync(journal, JSON.stringify({ type: 'healed', id: 'b', at: new Date().toISOString() }) + '\n');
    appendFileSync(journal, '{"type":"inject","entry":{"id":"torn'); // a crash mid-write
    const remote = new RecordingRemote();
    const report = await healJournal(faultEnvironment(), remote, { path: journal });
    assert.deepEqual(report.healed.map((e) => e.id), ['d', 'c', 'a']);
    assert.deepEqual(report.failed, []);
    assert.deepEqual(remote.calls.map((c) => c.node), ['ctl3', 'ctl2', 'ctl1']);
    assert.match(remote.calls[0]!.command, /iptables rules tagged trove-ha:partition-1 are still present/);
    assert.equal(remote.calls[1]!.command, 'for p in 12 11; do kill -s CONT "$p" 2>/dev/null || true; done');
    assert.equal(remote.calls[2]!.command, 'supervisorctl start mariadb');
    assert.ok(readJournal(journal).every((e) => e.healed));
    // Replaying again finds nothing open.
    assert.deepEqual((await healJournal(faultEnvironment(), remote, { path: journal })).healed, []);
  });

  it('heals a fault whose process crashed between the journal write and the injection', async () => {
    // The injecting command "kills" the harness: it throws before the fault happens.
    const env = faultEnvironment();
    const crashing = new RecordingRemote((_n, c) => (c.startsWith('iptables -w -I') ? new Error('harness killed') : {}));
    const ctx = faultContext(env, crashing);
    const fault = partitionNode(ctx, 'ctl3', ['ctl1']);
    const inverse = await fault.prepare();
    recordInjection(journal, { id: fault.id, kind: fault.kind, target: fault.target, injectedAt: new Date().toISOString(), inverse });
    await assert.rejects(fault.inject());
    // A later `trove-ha heal`: deleting rules that were never added is a success.
    const later = new RecordingRemote();
    const report = await healJournal(env, later, { path: journal });
    assert.deepEqual(report.healed.map((e) => e.id), [fault.id]);
    assert.equal(readJournal(journal)[0]!.healed, true);
  });

  it('keeps entries open whose inverse fails or is unknown, and heals the rest', async () => {
    recordInjection(journal, entry('old', { op: 'reboot-node', node: 'ctl1' }, 'power on ctl1'));
    recordInjection(journal, entry('down', { op: 'service-start', service: 'galera', node: 'ctl2' }));
    recordInjection(journal, entry('ok', { op: 'link-up', node: 'ha2', ifname: 'eth1' }));
    const remote = new RecordingRemote((node) => (node === 'ctl2' ? new Error('node ctl2: connect timeout\nmore') : {}));
    const report = await healJournal(faultEnvironment(), remote, { path: journal });
    assert.deepEqual(report.healed.map((e) => e.id), ['ok']);
    assert.deepEqual(report.failed.map((f) => f.entry.id), ['down', 'old']);
    assert.match(report.failed[0]!.error, /cannot start service galera on ctl2 .*connect timeout \/ more$/);
    assert.match(report.failed[1]!.error, /not one this harness knows .*undo by hand: power on ctl1/);
    assert.deepEqual(readJournal(journal).filter((e) => !e.healed).map((e) => e.id), ['old', 'down']);
  });

  describe('the heal command body', () => {
    const healthy = (extra: (node: string, command: string) => { code?: number; stdout?: string } | undefined = () => undefined) =>
      new RecordingRemote((node, command) => {
        const x = extra(node, command);
        if (x) return x;
        if (command.startsWith('mysql -N -B')) return { stdout: 'wsrep_cluster_size\t3\nwsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\nwsrep_ready\tON\n' };
        if (command === 'ip -o -4 addr show') return { stdout: ipAddrOutput(node === 'ha1' ? ['198.18.10.5'] : []) };
        return {};
      });

    it('exits 0 when everything is undone and healthy', async () => {
      const ctx = faultContext(faultEnvironment(), healthy());
      await new Injector(ctx, { journalPath: journal }).inject(killService(ctx, 'trove', 'ctl1'));
      const out = sink();
      assert.equal(await healAndCheck(faultEnvironment(), healthy(), journal, out.stream), 0);
      assert.match(out.text(), /healed kill-service-.*\n[\s\S]*ok   galera.synced \[ctl1\][\s\S]*ok   vip.single-holder \[VIP mgmt1 198.18.10.5\]: held by ha1/);
    });

    it('exits 1 when undone but unhealthy, 3 when an inverse cannot be applied', async () => {
      recordInjection(journal, entry('a', { op: 'service-start', service: 'galera', node: 'ctl1' }));
      const splitBrain = healthy((_n, c) => (c === 'ip -o -4 addr show' ? { stdout: ipAddrOutput(['198.18.10.5']) } : undefined));
      assert.equal(await healAndCheck(faultEnvironment(), splitBrain, journal, sink().stream, 300), 1);
      recordInjection(journal, entry('b', { op: 'service-start', service: 'galera', node: 'ctl2' }));
      const out = sink();
      const refusing = healthy((node, c) => (node === 'ctl2' && c.includes('start') ? { code: 7, stderr: 'mariadb: ERROR (spawn error)' } : undefined));
      assert.equal(await healAndCheck(faultEnvironment(), refusing, journal, out.stream), 3);
      assert.match(out.text(), /FAILED to undo b: .*exited with code 7.*spawn error\)?\n  undo by hand: by hand/);
    });
  });
});
