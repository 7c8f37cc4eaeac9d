import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/env/errors.ts';
import { faultContext, FaultInjectionError, HealError, Injector, killService, stopService, stopServices, freezeService, stopGaleraNode } from '../../lib/faults/index.ts';
import { readJournal } from '../../lib/faults/journal.ts';
import { faultEnvironment } from '../support/fault-environment.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

describe('Injector', () => {
  let dir = '';
  let journal = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trove-ha-faults-'));
    journal = join(dir, 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a non-destructive environment with a ConfigError, before any command', () => {
    const remote = new RecordingRemote();
    const ctx = faultContext(faultEnvironment({ destructive: false }), remote);
    assert.throws(() => new Injector(ctx, { journalPath: journal }), (e: unknown) => e instanceof ConfigError && /not marked destructive/.test(e.message));
    assert.equal(remote.calls.length, 0);
  });

  it('journals the inverse before the injecting command, and healed after the heal', async () => {
    const remote = new RecordingRemote();
    const ctx = faultContext(faultEnvironment(), remote);
    const injector = new Injector(ctx, { journalPath: journal, runId: 'run-1' });
    const fault = killService(ctx, 'trove', 'ctl2');
    // At the moment the kill is sent, the journal must already hold the open inverse.
    remote.beforeExec = (call) => {
      if (/kill -s KILL/.test(call.command)) {
        const open = readJournal(journal);
        assert.equal(open.length, 1);
        assert.equal(open[0]!.healed, false);
        assert.deepEqual(open[0]!.inverse.action, { op: 'service-start', service: 'trove', node: 'ctl2' });
      }
    };
    const window = await injector.inject(fault);
    assert.deepEqual(remote.commands('ctl2'), ['pid=$(supervisorctl pid trove-conductor); case "$pid" in \'\'|0|*[!0-9]*) echo \'supervisor program trove-conductor is not running\'" (pid: $pid)" >&2; exit 3;; esac; kill -s KILL "$pid"']);
    assert.equal(window.kind, 'kill-service');
    assert.ok(window.injectDoneAt! >= window.injectedAt);
    const [entry] = readJournal(journal);
    assert.equal(entry!.runId, 'run-1');
    assert.equal(entry!.inverse.description, 'start service trove on ctl2');

    const healed = await injector.heal(fault);
    assert.equal(remote.calls.at(-1)!.command, 'supervisorctl start trove-conductor');
    assert.ok(healed.healedAt! >= healed.healStartedAt! && healed.healStartedAt! >= window.injectDoneAt!);
    assert.equal(readJournal(journal)[0]!.healed, true);
  });

  it('stops several services as one fault, picked at prepare time, and starts them all on heal', async () => {
    const remote = new RecordingRemote();
    const ctx = faultContext(faultEnvironment(), remote);
    const injector = new Injector(ctx, { journalPath: journal });
    let picked = false;
    const fault = stopServices(ctx, 'the handlers of instance X', async () => {
      picked = true;
      return [
        { service: 'trove', node: 'ctl2' },
        { service: 'rabbitmq', node: 'ctl3' },
      ];
    });
    assert.equal(picked, false, 'targets are read at prepare time, not when the fault is built');
    const window = await injector.inject(fault);
    assert.deepEqual(window.facts, { trove: 'ctl2', rabbitmq: 'ctl3' });
    assert.deepEqual(remote.calls.map((c) => `${c.node}: ${c.command}`), ['ctl2: supervisorctl stop trove-conductor', 'ctl3: supervisorctl stop rabbitmq']);
    assert.equal(readJournal(journal)[0]!.inverse.description, 'start service trove on ctl2; start service rabbitmq on ctl3');
    await injector.heal(fault);
    assert.deepEqual(remote.calls.slice(2).map((c) => `${c.node}: ${c.command}`), ['ctl2: supervisorctl start trove-conductor', 'ctl3: supervisorctl start rabbitmq']);
  });

  it('heals everything in reverse order, and reports a failed heal after trying the rest', async () => {
    const remote = new RecordingRemote((node, command) => (node === 'ctl1' && /start mariadb/.test(command) ? { code: 7, stdout: 'mariadb: ERROR (spawn error)' } : {}));
    const ctx = faultContext(faultEnvironment(), remote);
    const injector = new Injector(ctx, { journalPath: journal });
    await injector.inject(stopGaleraNode(ctx, 'ctl1'));
    await injector.inject(stopService(ctx, 'rabbitmq', 'ctl2'));
    await injector.inject(stopService(ctx, 'trove', 'ctl3'));
    remote.calls.length = 0;
    await assert.rejects(injector.healAll(), (e: unknown) => e instanceof HealError && e.failures.length === 1 && /stop mariadb on ctl1|stop galera on ctl1/.test(e.message));
    assert.deepEqual(remote.calls.map((c) => `${c.node}: ${c.command}`), ['ctl3: supervisorctl start trove-conductor', 'ctl2: supervisorctl start rabbitmq', 'ctl1: supervisorctl start mariadb']);
    assert.deepEqual(readJournal(journal).map((e) => [e.kind, e.healed]), [['stop-galera-node', false], ['stop-service', true], ['stop-service', true]]);
    assert.equal(injector.windows().length, 3);
  });

  it('applies the inverse at once when the injection fails, and says so', async () => {
    const remote = new RecordingRemote((_node, command) => (/kill -s STOP/.test(command) ? { code: 1, stderr: 'kill: (4243) - No such process' } : /^tree/.test(command) ? { stdout: '4242\n4243\n' } : /status/.test(command) ? { stdout: 'rabbitmq  RUNNING   pid 4242, uptime 1:00:00\n' } : {}));
    const ctx = faultContext(faultEnvironment(), remote);
    const injector = new Injector(ctx, { journalPath: journal });
    await assert.rejects(injector.inject(freezeService(ctx, 'rabbitmq', 'ctl1')), (e: unknown) => e instanceof FaultInjectionError && e.healed && /No such process/.test(e.message));
    assert.match(remote.calls.at(-1)!.command, /^for p in 4243 4242; do kill -s CONT "\$p"/);
    assert.equal(readJournal(journal)[0]!.healed, true);
  });

  it('refuses to inject the same fault twice', async () => {
    const ctx = faultContext(faultEnvironment(), new RecordingRemote());
    const injector = new Injector(ctx, { journalPath: journal });
    const fault = stopService(ctx, 'trove', 'ctl1');
    await injector.inject(fault);
    await assert.rejects(injector.inject(fault), /already injected/);
  });
});
