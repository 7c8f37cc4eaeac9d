// The TypeScript guest agent against the REAL peers: a RabbitMQ 3.10 node on
// loopback and oslo.messaging 14 + Trove 18 in Python (guest-oslo-peer.py)
// playing Trove's API/taskmanager (secure RPC with the instance key) and its
// conductor (ConductorHostSerializer). The agent reaches RabbitMQ through two
// TCP forwarders we own, so failover is tested by killing forwarder A.
// The datastore is a real MariaDB (test/support/mariadb.ts), watched with SELECT 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GuestAgent } from '../../lab/guest/agent.ts';
import { readGuestConfig } from '../../lab/guest/config.ts';
import type { Datastore, PrepareRequest } from '../../lab/guest/datastore.ts';
import { createLogger } from '../../lab/guest/log.ts';
import type { ServiceStatus } from '../../lab/guest/service-status.ts';
import { startMariadb, type Mariadb } from '../support/mariadb.ts';
import { startOsloPeer, type OsloPeer, type PeerEvent } from '../support/oslo-peer.ts';
import { startRabbitNode, type RabbitNode } from '../support/rabbitmq-node.ts';
import { startTcpForwarder, type TcpForwarder } from '../support/tcp-forwarder.ts';

const run = promisify(execFile);
const GUEST_ID = '8d6c6a5e-1a4f-4f43-9d3e-6f0a1c2b3d4e';

/** A real MariaDB the test started; "healthy" when SELECT 1 answers (as Trove's mysql status does). */
class TestMariadbDatastore implements Datastore {
  readonly manager = 'mariadb';
  prepared: PrepareRequest | null = null;
  constructor(
    private readonly db: Mariadb,
    private readonly dir: string,
  ) {}
  dataDir(): string {
    return join(this.dir, 'data');
  }
  async prepare(req: PrepareRequest): Promise<void> {
    this.prepared = req;
    const until = Date.now() + 20_000;
    while ((await this.status()) !== 'healthy') {
      if (Date.now() > until) throw new Error('MariaDB not healthy within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async status(): Promise<ServiceStatus> {
    try {
      await run('mariadb', ['--no-defaults', '-S', join(this.dir, 'mysqld.sock'), '-u', 'root', '-N', '-e', 'SELECT 1'], { timeout: 5000 });
      return 'healthy';
    } catch {
      return 'shutdown';
    }
  }
  async stop(): Promise<void> {
    await this.db.stop();
  }
  async restart(): Promise<void> {
    throw new Error('restart is not part of this test');
  }
}

describe('guest agent vs real oslo.messaging + RabbitMQ', function () {
  this.timeout(180_000);
  let dir: string;
  let rabbit: RabbitNode | undefined;
  let mariadb: Mariadb | undefined;
  let fwdA: TcpForwarder | undefined;
  let fwdB: TcpForwarder | undefined;
  let peer: OsloPeer | undefined;
  let agent: GuestAgent | undefined;
  let datastore: TestMariadbDatastore;
  const agentLog: string[] = [];
  const heartbeats = () => peer!.events.filter((e) => e.event === 'heartbeat');
  const call = (method: string, version: string, args: Record<string, unknown> = {}, timeout = 15) => peer!.request({ op: 'call', method, version, args, timeout });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'guest-oslo-'));
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url').slice(0, 32);
    mkdirSync(join(dir, 'rabbit'));
    mkdirSync(join(dir, 'db'));
    // Both in parallel, but keep whichever started so after() can stop it if the other failed.
    const [r, m] = await Promise.allSettled([startRabbitNode(join(dir, 'rabbit')), startMariadb(join(dir, 'db'))]);
    if (r.status === 'fulfilled') rabbit = r.value;
    if (m.status === 'fulfilled') mariadb = m.value;
    if (r.status === 'rejected') throw r.reason;
    if (m.status === 'rejected') throw m.reason;
    const [node, db] = [r.value, m.value];
    fwdA = await startTcpForwarder(node.port);
    fwdB = await startTcpForwarder(node.port);
    peer = await startOsloPeer({ TRANSPORT_URL: node.url(), GUEST_ID, GUEST_KEY: key });
    // The taskmanager declares the guest's topic queues before casting prepare.
    await peer.request({ op: 'create_guest_queue' });

    const conf = join(dir, 'conf.d');
    mkdirSync(conf);
    // As taskmanager get_injected_files writes it, plus the controller's guest_config.
    writeFileSync(join(conf, 'guest_info.conf'), `[DEFAULT]\nguest_id=${GUEST_ID}\ndatastore_manager=mariadb\ndatastore_version=10.11\ntenant_id=p1\ninstance_rpc_encr_key=${key}\n`);
    writeFileSync(
      join(conf, 'trove-guestagent.conf'),
      `[DEFAULT]\ntransport_url = ${node.url([fwdA.port, fwdB.port])}\ncontrol_exchange = trove\nreport_interval = 1\n\n` +
        `[oslo_messaging_rabbit]\nheartbeat_timeout_threshold = 10\nrabbit_retry_interval = 1\n\n[guest_agent]\nstate_dir = ${join(dir, 'state')}\n`,
    );
    datastore = new TestMariadbDatastore(db, join(dir, 'db'));
    agent = new GuestAgent({ config: readGuestConfig(conf), datastore, log: createLogger({ level: 'debug', write: (l) => agentLog.push(l) }), connectTimeoutMs: 3000 });
    await agent.start();
    await agent.ready(20_000);
    // no secret in the agent's log
    for (const secret of [key, node.password]) assert.ok(!agentLog.join('\n').includes(secret), 'a secret reached the log');
  });

  after(async () => {
    await agent?.stop().catch(() => undefined);
    await peer?.stop().catch(() => undefined);
    await fwdA?.kill().catch(() => undefined);
    await fwdB?.kill().catch(() => undefined);
    await mariadb?.stop().catch(() => undefined);
    await rabbit?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('declares exactly what oslo declares: no 406 after the taskmanager, and oslo can re-declare our fanout queue', async () => {
    const fanout = agent!.server.topology.queues.find((q) => q.name.includes('_fanout_'))!;
    await peer!.request({ op: 'redeclare_fanout', queue: fanout.name });
    await peer!.request({ op: 'create_guest_queue' }); // the taskmanager again, now after us
    const queues = await rabbit!.ctl(['-q', 'list_queues', '-p', 'trove', 'name', 'durable', 'auto_delete', 'arguments', 'consumers']);
    for (const name of [`guestagent.${GUEST_ID}`, `guestagent.${GUEST_ID}.${GUEST_ID}`]) assert.match(queues, new RegExp(`^${name}\\s+false\\s+false\\s+\\[\\]\\s+1$`, 'm'));
    assert.match(queues, new RegExp(`^${fanout.name}\\s+false\\s+false\\s+\\[\\{"x-expires",1800000\\}\\]\\s+1$`, 'm'));
  });

  it('prepare (cast 1.1, secure RPC) -> building, then healthy heartbeats decrypted by Trove ConductorHostSerializer', async () => {
    await peer!.request({
      op: 'cast',
      method: 'prepare',
      version: '1.1',
      args: { packages: [], databases: [], memory_mb: 1024, users: [], device_path: '/dev/vdb', mount_point: '/var/lib/mysql', backup_info: null, config_contents: '[mysqld]\n', root_password: null, overrides: {}, cluster_config: null, snapshot: null, modules: null, ds_version: '10.11' },
    });
    await peer!.waitFor((e) => e.event === 'heartbeat' && (e.payload as { service_status: string }).service_status === 'healthy', 30_000, 'healthy heartbeat');
    const first = heartbeats()[0]!;
    assert.deepEqual(first.payload, { service_status: 'building' });
    assert.equal(first.instance_id, GUEST_ID);
    assert.equal(first.sent_type, 'float');
    assert.equal(first.context_is_trove, true);
    assert.equal(datastore.prepared?.ds_version, '10.11', 'the datastore got the decrypted prepare arguments');
    assert.equal(datastore.prepared?.config_contents, '[mysqld]\n');
  });

  it('keeps sending heartbeats every report_interval with strictly increasing sent', async () => {
    const n = heartbeats().length;
    await peer!.waitFor(() => heartbeats().length >= n + 3, 10_000, '3 more heartbeats');
    const sent = heartbeats().map((h) => h.sent as number);
    for (let i = 1; i < sent.length; i++) assert.ok(sent[i]! > sent[i - 1]!, `sent[${i}] ${sent[i]} > ${sent[i - 1]}`);
  });

  it('get_filesystem_stats (call 1.0) answers statvfs of the data dir, encrypted back to Trove', async () => {
    const r = await call('get_filesystem_stats', '1.0', { fs_path: null });
    const res = r.result as Record<string, number>;
    assert.deepEqual(Object.keys(res).sort(), ['block_size', 'free', 'free_blocks', 'total', 'total_blocks', 'used']);
    const s = await statfs(datastore.dataDir());
    assert.equal(res.block_size, s.bsize);
    assert.equal(res.total_blocks, s.blocks);
    assert.ok(Math.abs(res.free_blocks! - s.bfree) < 10_000);
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) ms.push((await call('get_filesystem_stats', '1.0', { fs_path: null })).ms as number);
    ms.sort((a, b) => a - b);
    console.log(`      call latency get_filesystem_stats over 20 calls: p50 ${ms[10]!.toFixed(1)} ms, max ${ms[19]!.toFixed(1)} ms`);
  });

  it('rpc_ping answers True', async () => {
    assert.equal((await call('rpc_ping', '1.0')).result, true);
  });

  it('unknown method, too new a version and a 1.0-only argument fail the way Python sees them', async () => {
    const unknown = await call('no_such_method', '1.0');
    assert.equal(unknown.raised, 'RemoteError');
    assert.equal(unknown.exc_type, 'NoSuchMethod');
    assert.equal(unknown.value, 'Endpoint does not support RPC method no_such_method');
    const newer = await call('rpc_ping', '1.2');
    assert.equal(newer.raised, 'RemoteError');
    assert.equal(newer.exc_type, 'UnsupportedVersion');
    assert.equal(newer.value, 'Endpoint does not support RPC version 1.2. Attempted method: rpc_ping');
    const old = await call('stop_db', '1.0', { do_not_start_on_reboot: false });
    assert.equal(old.raised, 'TypeError', 'Trove 18 guests reject stop_db 1.0 arguments too');
    assert.match(String(old.message), /stop_db\(\) got an unexpected keyword argument 'do_not_start_on_reboot'/);
  });

  it('fails over to the next transport_url host when the first dies, and keeps serving', async () => {
    assert.equal(agent!.transport.currentHost?.port, fwdA!.port);
    const before = agent!.transport.stats.connects;
    const killedAt = Date.now() / 1000;
    const t0 = performance.now();
    await fwdA!.kill();
    const r = await call('rpc_ping', '1.0', {}, 20);
    const recovered = performance.now() - t0;
    assert.equal(r.result, true);
    assert.equal(agent!.transport.currentHost?.port, fwdB!.port);
    assert.equal(agent!.transport.stats.connects, before + 1);
    await peer!.waitFor((e) => e.event === 'heartbeat' && (e.sent as number) > killedAt, 10_000, 'a heartbeat after failover');
    console.log(`      failover: first successful call ${recovered.toFixed(0)} ms after killing forwarder A`);
  });

  it('stop_db stops the datastore, reports shutdown and stops the periodic heartbeats', async () => {
    const r = await call('stop_db', '1.1');
    assert.equal(r.result, null);
    const shutdown = await peer!.waitFor((e) => e.event === 'heartbeat' && (e.payload as { service_status: string }).service_status === 'shutdown', 10_000, 'shutdown heartbeat');
    const count = heartbeats().length;
    // Deliberate observation window: 3 report intervals must pass without another heartbeat.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(heartbeats().length, count, 'no heartbeat after shutdown');
    assert.equal(heartbeats()[count - 1], shutdown as PeerEvent);
    const mem = process.memoryUsage();
    console.log(`      test process (mocha + tsx + agent): rss ${(mem.rss / 2 ** 20).toFixed(1)} MiB, heap ${(mem.heapUsed / 2 ** 20).toFixed(1)} MiB`);
  });
});
