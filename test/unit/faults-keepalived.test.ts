import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/env/errors.ts';
import { failKeepalivedMaster, faultContext, FaultPreconditionError, freezeService } from '../../lib/faults/index.ts';
import { faultEnvironment, ipAddrOutput } from '../support/fault-environment.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

const VIP = '198.18.10.5';

/** ha2 holds the VIP unless told otherwise; keepalived's main pid is 700 with children 701, 702. */
function site(holders: string[] = ['ha2']) {
  return new RecordingRemote((node, command) => {
    if (command === 'ip -o -4 addr show') return { stdout: ipAddrOutput(holders.includes(node) ? [VIP] : []) };
    if (command === 'ip -o -4 addr show dev eth1') return { stdout: ipAddrOutput(holders.includes(node) ? [VIP] : []) };
    if (command === 'supervisorctl status keepalived') return { stdout: 'keepalived   RUNNING   pid 700, uptime 0:10:00\n' };
    return {};
  });
}

describe('failKeepalivedMaster', () => {
  it('stop: finds the holder by asking every holder, stops keepalived there; inverse: start', async () => {
    const remote = site();
    const ctx = faultContext(faultEnvironment(), remote);
    const fault = failKeepalivedMaster(ctx, 'mgmt1', 'stop');
    const inverse = await fault.prepare();
    assert.deepEqual(inverse.action, { op: 'service-start', service: 'keepalived', node: 'ha2' });
    assert.deepEqual(fault.facts(), { holder: 'ha2' });
    assert.deepEqual(remote.calls.map((c) => c.node).sort(), ['ha1', 'ha2']);
    await fault.inject();
    await fault.heal();
    assert.deepEqual(remote.commands('ha2').slice(-2), ['supervisorctl stop keepalived', 'supervisorctl start keepalived']);
  });

  it('crash: freezes the parent, then SIGKILLs the whole tree (VRRP child included) in one kill; inverse: start, which clears the stale VIP', async () => {
    const remote = site();
    const ctx = faultContext(faultEnvironment(), remote);
    const fault = failKeepalivedMaster(ctx, 'mgmt1', 'crash');
    assert.deepEqual((await fault.prepare()).action, { op: 'service-start', service: 'keepalived', node: 'ha2' });
    assert.deepEqual(fault.facts(), { holder: 'ha2', mainPid: 700 });
    await fault.inject();
    assert.equal(
      remote.commands('ha2').at(-1),
      'kill -s STOP 700 || exit 3; pids=$(tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }; tree 700); kill -s STOP $pids; kill -s KILL $pids',
    );
  });

  it('cut-link: takes the VIP interface down on the holder; inverse: link up', async () => {
    const remote = site(['ha1']);
    const ctx = faultContext(faultEnvironment(), remote);
    const fault = failKeepalivedMaster(ctx, 'mgmt1', 'cut-link');
    assert.deepEqual((await fault.prepare()).action, { op: 'link-up', node: 'ha1', ifname: 'eth1' });
    await fault.inject();
    await fault.heal();
    assert.deepEqual(remote.commands('ha1').slice(-2), ['ip link set dev eth1 down', 'ip link set dev eth1 up']);
  });

  it('cut-link refuses to cut the interface the harness reaches the holder through', async () => {
    const remote = new RecordingRemote((node, command) => {
      if (command === 'ip -o -4 addr show') return { stdout: ipAddrOutput(node === 'ha1' ? [VIP] : []) };
      if (command === 'ip -o -4 addr show dev eth1') return { stdout: `2: eth1    inet 198.18.0.21/24 scope global eth1\\ valid_lft forever\n` };
      return {};
    });
    const fault = failKeepalivedMaster(faultContext(faultEnvironment(), remote), 'mgmt1', 'cut-link');
    await assert.rejects(fault.prepare(), (e: unknown) => e instanceof FaultPreconditionError && /reaches ha1 through 198\.18\.0\.21/.test(e.message));
    assert.ok(!remote.commands().some((c) => /link set/.test(c)));
  });

  it('refuses without exactly one holder (split brain, none) and changes nothing', async () => {
    for (const holders of [['ha1', 'ha2'], []]) {
      const remote = site(holders);
      const fault = failKeepalivedMaster(faultContext(faultEnvironment(), remote), 'mgmt1', 'stop');
      await assert.rejects(fault.prepare(), FaultPreconditionError);
      assert.ok(remote.commands().every((c) => c === 'ip -o -4 addr show'));
    }
  });

  it('reports unknown VIPs and modes as ConfigError at creation', () => {
    const ctx = faultContext(faultEnvironment(), new RecordingRemote());
    assert.throws(() => failKeepalivedMaster(ctx, 'nope', 'stop'), (e: unknown) => e instanceof ConfigError && /no VIP "nope".*have: mgmt1/.test(e.message));
    assert.throws(() => failKeepalivedMaster(ctx, 'mgmt1', 'explode' as never), ConfigError);
  });
});

describe('freezeService', () => {
  it('STOPs the main pid and its descendants parent-first; CONTs them leaves-first, tolerating gone pids', async () => {
    const remote = new RecordingRemote((_n, command) =>
      /status rabbitmq/.test(command) ? { stdout: 'rabbitmq   RUNNING   pid 900, uptime 1:00:00\n' } : /^tree/.test(command) ? { stdout: '900\n901\n905\n' } : {},
    );
    const ctx = faultContext(faultEnvironment(), remote);
    const fault = freezeService(ctx, 'rabbitmq', 'ctl3');
    assert.deepEqual((await fault.prepare()).action, { op: 'signal', node: 'ctl3', service: 'rabbitmq', pids: [905, 901, 900], signal: 'CONT' });
    await fault.inject();
    await fault.heal();
    assert.deepEqual(remote.commands('ctl3').slice(-2), ['kill -s STOP 900 901 905', 'for p in 905 901 900; do kill -s CONT "$p" 2>/dev/null || true; done']);
  });

  it('refuses a service that does not run', async () => {
    const remote = new RecordingRemote(() => ({ code: 3, stdout: 'rabbitmq   STOPPED   Not started\n' }));
    await assert.rejects(freezeService(faultContext(faultEnvironment(), remote), 'rabbitmq', 'ctl3').prepare(), FaultPreconditionError);
  });
});
