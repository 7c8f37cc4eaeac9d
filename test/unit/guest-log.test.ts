// The lab guest's guest logs against the REAL Trove 18 code:
// GuestLog's Swift calls and show() results through publish / incremental
// publish / chunking / rotation / discard (test/fixtures/guest/guest-log-vectors.json,
// made by make-guest-log-vectors.py with trove/guestagent/guest_log.py), plus the
// Manager's guest_log_action rules, the MariaDB log definitions and the
// system override files that switch a log on and off.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestLog, pySplitlines, pyUtcIso, type GuestLogShow } from '../../lab/guest/guest-log/guest-log.ts';
import { GuestLogManager, type CnfOptions, type LogDatastore, type LogDef } from '../../lab/guest/guest-log/manager.ts';
import { MariadbConfigurationManager } from '../../lab/guest/guest-log/mariadb-logs.ts';
import { SwiftClientException, swiftStorageUrl, type ObjectListing, type ObjectStore } from '../../lab/guest/guest-log/swift.ts';
import { silentLogger } from '../../lab/guest/log.ts';
import { checkArguments } from '../../lab/guest/oslo/dispatcher.ts';
import { RemoteFailure } from '../../lab/guest/oslo/failure.ts';
import { guestLogOperations } from '../../lab/guest/operations/guest-log.ts';
import { vectors } from '../support/guest-vectors.ts';

interface Step {
  step: string;
  result: GuestLogShow | null;
  error: { class: string; message: string } | null;
  calls: unknown[][];
}
interface GuestLogVectors {
  guest_id: string;
  manager: string;
  limit: number;
  expiry: number;
  container: string;
  file: string;
  steps: Step[];
}
const v = JSON.parse(readFileSync(new URL('../fixtures/guest/guest-log-vectors.json', import.meta.url), 'utf8')) as GuestLogVectors;

/** The same in-memory Swift the Python generator used, recording calls in the same shape. */
class RecordingSwift implements ObjectStore {
  readonly calls: unknown[][] = [];
  private readonly containers = new Map<string, Map<string, string>>();
  async getContainer(container: string, prefix?: string): Promise<ObjectListing[]> {
    this.calls.push(['get_container', container, prefix ?? null]);
    const objs = this.containers.get(container);
    if (!objs) throw new SwiftClientException('Container GET failed', 404);
    return [...objs.keys()]
      .filter((n) => prefix === undefined || n.startsWith(prefix))
      .sort()
      .map((name) => ({ name, bytes: 0, hash: '', last_modified: '', content_type: '' }));
  }
  async putContainer(container: string, headers: Record<string, string>): Promise<void> {
    this.calls.push(['put_container', container, { ...headers }]);
    if (!this.containers.has(container)) this.containers.set(container, new Map());
  }
  async putObject(container: string, name: string, contents: string, headers: Record<string, string>): Promise<void> {
    this.calls.push(['put_object', container, name, { ...headers }, contents]);
    this.containers.get(container)!.set(name, contents);
  }
  async getObject(container: string, name: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
    this.calls.push(['get_object', container, name]);
    const body = this.containers.get(container)?.get(name);
    if (body === undefined) throw new SwiftClientException('Object GET failed', 404);
    return { headers: {}, body: Buffer.from(body) };
  }
  async deleteObject(container: string, name: string): Promise<void> {
    this.calls.push(['delete_object', container, name]);
    if (!this.containers.get(container)?.delete(name)) throw new SwiftClientException('Object DELETE failed', 404);
  }
}

/** The generator's utcnow(): 03:04:05.123456 + i s, the 4th without microseconds (str() then drops them). */
function pythonClock(): () => string {
  let i = 0;
  return () => {
    const n = i++;
    return `2026-11-22T03:04:${String(5 + n).padStart(2, '0')}${n === 3 ? '' : '.123456'}`;
  };
}

describe('lab guest logs: GuestLog vs Trove 18 guest_log.py', () => {
  it('pyUtcIso prints str(datetime) with T, microseconds only when non-zero', () => {
    assert.equal(pyUtcIso(new Date(Date.UTC(2026, 10, 22, 3, 4, 5, 120))), '2026-11-22T03:04:05.120000');
    assert.equal(pyUtcIso(new Date(Date.UTC(2026, 10, 22, 3, 4, 5, 0))), '2026-11-22T03:04:05');
  });

  it('pySplitlines splits like str.splitlines()', () => {
    assert.deepEqual(pySplitlines('a\nb\r\nc\rd\x0be\u2028f\n'), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(pySplitlines(''), []);
    assert.deepEqual(pySplitlines('\n\nx'), ['', '', 'x']);
  });

  it('the scenario: the same Swift calls (containers, names, headers, bodies) and show() results as the real code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-log-unit-'));
    try {
      const file = join(dir, 'mysql-general.log');
      const swift = new RecordingSwift();
      const deps = {
        settings: { guestId: v.guest_id, datastoreManager: v.manager, containerName: v.container, limit: v.limit, expiry: v.expiry },
        swift: () => swift,
        log: silentLogger(),
        utcnowText: pythonClock(),
      };
      const write = (text: string, mode: 'a' | 'w' = 'a') => writeFileSync(file, text, { flag: mode });
      const fix = (x: unknown) => JSON.parse(JSON.stringify(x).split(JSON.stringify(v.file).slice(1, -1)).join(file)) as unknown;
      write('', 'w');
      const gl = new GuestLog(deps, { is_admin: false }, 'general', 'USER', null, file, true);
      gl.enabled = true;
      gl.status = 'Enabled';
      const hidden = new GuestLog(deps, { is_admin: false }, 'error', 'SYS', null, file, false);
      const actions: Record<string, () => Promise<GuestLogShow>> = {
        'show empty': () => gl.show(),
        'show ready': () => gl.show(),
        publish: () => gl.publishLog(),
        'show partial': () => gl.show(),
        'publish incremental': () => gl.publishLog(),
        'show published': () => gl.show(),
        'show rotated': () => gl.show(),
        'publish after rotation': () => gl.publishLog(),
        discard: () => gl.discardLog(),
        'discard again': () => gl.discardLog(),
        'show unexposed': () => hidden.show(),
      };
      const before: Record<string, () => void> = {
        'show ready': () =>
          write("2026-11-22  3:04:05 3 Connect\tappuser@198.18.20.1 on appdb\n2026-11-22  3:04:05 3 Query\tSELECT 'caf\u00e9'\r\n2026-11-22  3:04:06 3 Query\t" + 'x'.repeat(90) + '\n3 Quit\n'),
        'show partial': () => write('2026-11-22  3:04:07 4 Query\tSELECT 2\n'),
        'show rotated': () => write('rotated first line\n', 'w'),
      };
      for (const s of v.steps) {
        before[s.step]?.();
        swift.calls.length = 0;
        let result: GuestLogShow | null = null;
        let error: RemoteFailure | null = null;
        try {
          result = await actions[s.step]!();
        } catch (err) {
          assert.ok(err instanceof RemoteFailure, `${s.step}: ${String(err)}`);
          error = err;
        }
        assert.deepEqual(swift.calls, fix(s.calls), `${s.step}: Swift calls`);
        assert.deepEqual(result, s.result, `${s.step}: show()`);
        assert.equal(error?.pyClass ?? null, s.error?.class ?? null, `${s.step}: error class`);
        if (s.error?.class === 'LogAccessForbidden') assert.equal(error!.message, s.error.message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('swift_client URL: swift_url + project id, else the catalog\'s public object-store endpoint', () => {
    const s = { swiftUrl: 'http://proxy.polex.io:8080/v1/AUTH_', serviceType: 'object-store', endpointType: 'publicURL', region: 'RegionOne' };
    assert.equal(swiftStorageUrl(s, { project_id: 'p1' }), 'http://proxy.polex.io:8080/v1/AUTH_p1');
    const catalog = [
      { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://k' }] },
      { type: 'object-store', endpoints: [{ interface: 'internal', region: 'RegionOne', url: 'http://i' }, { interface: 'public', region: 'RegionOne', url: 'http://s/v1/AUTH_p1' }] },
    ];
    assert.equal(swiftStorageUrl({ ...s, swiftUrl: null }, { project_id: 'p1', service_catalog: catalog }), 'http://s/v1/AUTH_p1');
    assert.throws(() => swiftStorageUrl({ ...s, swiftUrl: null }, { project_id: 'p1', service_catalog: [] }), /Empty catalog/);
  });
});

describe('lab guest logs: Manager.guest_log_action rules and the MariaDB overrides', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'guest-log-mgr-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function manager(exposed = 'general,slow_query') {
    const events: string[] = [];
    const cm = new MariadbConfigurationManager(join(dir, 'my.cnf'), join(dir, 'conf.d'));
    writeFileSync(join(dir, 'my.cnf'), '[mysqld]\ndatadir = /x\n');
    const file = (n: string) => {
      const f = join(dir, n);
      writeFileSync(f, '', { flag: 'a' });
      return f;
    };
    const ds: LogDatastore = {
      datastoreLogDefs: (): Record<string, LogDef> => ({
        general: { type: 'USER', user: null, file: file('mysql-general.log'), section: 'mysqld', enable: { general_log: 'on', general_log_file: join(dir, 'mysql-general.log'), log_output: 'file' }, disable: { general_log: 'off' } },
        slow_query: { type: 'USER', user: null, file: file('mysql-slow_query.log'), section: 'mysqld', enable: { slow_query_log: 'on', long_query_time: 1 }, disable: { slow_query_log: 'off' } },
        error: { type: 'SYS', user: null, file: file('mysqld.log') },
      }),
      guestagentLogDefs: () => ({ guest: { type: 'SYS', user: null, file: join(dir, 'absent.log') } }),
      isLogEnabled: (n) => cm.getValue(n === 'general' ? 'general_log' : 'slow_query_log', 'mysqld', 'off') === 'on',
      configurationManager: cm,
      applyOverrides: async (values: CnfOptions) => void events.push(`SET ${JSON.stringify(values)}`),
      setRestartRequired: async () => void events.push('restart required'),
    };
    const swift = new RecordingSwift();
    const m = new GuestLogManager({
      datastore: ds,
      exposedLogs: exposed,
      log: silentLogger(),
      logDeps: { settings: { guestId: 'g1', datastoreManager: 'mysql', containerName: 'database_logs', limit: 1000, expiry: 60 }, swift: () => swift, log: silentLogger() },
    });
    return { m, events, cm };
  }
  const tenant = { is_admin: false, project_id: 'p' };
  const fails = async (p: Promise<unknown>, cls: string, msg: RegExp) => {
    await assert.rejects(p, (err: unknown) => err instanceof RemoteFailure && err.pyClass === cls && msg.test(err.message));
  };

  it('list: exposed logs only for a tenant, all four (datastore logs first, then guest) for an admin', async () => {
    const { m } = manager();
    assert.deepEqual((await m.guestLogList(tenant)).map((l) => `${l.name}:${l.type}:${l.status}`), ['general:USER:Disabled', 'slow_query:USER:Disabled']);
    assert.deepEqual((await m.guestLogList({ is_admin: true })).map((l) => l.name), ['general', 'slow_query', 'error', 'guest']);
  });

  it('enable writes 10-system-001-enable_general_log.cnf and SETs the values; disable swaps it for the disable override', async () => {
    const { m, events, cm } = manager();
    const on = await m.guestLogAction(tenant, 'general', true, false, false, false);
    assert.equal(on.status, 'Enabled');
    assert.deepEqual(readdirSync(join(dir, 'conf.d')), ['10-system-001-enable_general_log.cnf']);
    assert.equal(readFileSync(join(dir, 'conf.d', '10-system-001-enable_general_log.cnf'), 'utf8'), `[mysqld]\ngeneral_log = on\ngeneral_log_file = ${join(dir, 'mysql-general.log')}\nlog_output = file\n\n`);
    assert.equal(cm.getValue('general_log', 'mysqld', 'off'), 'on');
    // already enabled: no second change
    await m.guestLogAction(tenant, 'general', true, false, false, false);
    const off = await m.guestLogAction(tenant, 'general', false, true, false, false);
    assert.equal(off.status, 'Disabled');
    assert.deepEqual(readdirSync(join(dir, 'conf.d')), ['10-system-001-disable_general_log.cnf']);
    assert.deepEqual(events, [`SET ${JSON.stringify({ general_log: 'on', general_log_file: join(dir, 'mysql-general.log'), log_output: 'file' })}`, `SET ${JSON.stringify({ general_log: 'off' })}`]);
  });

  it('publish enables a disabled USER log first; the errors Trove raises', async () => {
    const { m, events } = manager();
    const p = await m.guestLogAction(tenant, 'slow_query', false, false, true, false);
    assert.equal(events.length, 1, 'publish switched the log on');
    assert.equal(p.status, 'Enabled', 'empty file: nothing to publish');
    await fails(m.guestLogAction(tenant, 'general', true, true, false, false), 'BadRequest', /^Cannot enable and disable log 'general'\.$/);
    await fails(m.guestLogAction({ is_admin: true }, 'error', true, false, false, false), 'BadRequest', /^Cannot enable a SYSTEM log \('error'\)\.$/);
    await fails(m.guestLogAction({ is_admin: true }, 'guest', false, true, false, false), 'BadRequest', /^Cannot disable a SYSTEM log \('guest'\)\.$/);
    await fails(m.guestLogAction(tenant, 'error', false, false, false, false), 'LogAccessForbidden', /^You must be admin to show log 'error'\.$/);
    await fails(m.guestLogAction(tenant, 'binlog', false, false, false, false), 'NotFound', /^Log 'binlog' is not defined\.$/);
  });

  it('a log switched on in the configuration shows as enabled when the cache is built', async () => {
    const { m } = manager();
    writeFileSync(join(dir, 'my.cnf'), '[mysqld]\ngeneral_log = on\n');
    assert.equal((await m.guestLogList(tenant))[0]!.status, 'Enabled');
  });

  it('operations: guest_log_list and guest_log_action take the real manager\'s keyword arguments', () => {
    const ops = guestLogOperations({
      config: { guestId: 'g1', datastoreManager: 'mysql', ini: new Map() } as never,
      datastore: { settings: { layout: { myCnf: join(dir, 'my.cnf'), includeDir: join(dir, 'conf.d'), dataDir: dir, errorLog: join(dir, 'e.log') }, runAs: null } } as never,
      reporter: {} as never,
      conductor: {} as never,
      log: silentLogger(),
    });
    for (const op of ops) {
      const sig = vectors.mariadb_manager_signatures[op.name]!;
      assert.ok(sig, op.name);
      assert.deepEqual([...(op.required ?? [])], sig.required, op.name);
      assert.deepEqual([...(op.optional ?? [])], sig.optional, op.name);
      checkArguments(op, Object.fromEntries(sig.required.map((k) => [k, null])));
    }
  });
});
