import assert from 'node:assert/strict';
import { sendJson } from '../support/loopback-http.ts';
import { CREDENTIALS, startFakeCloud, type FakeCloud } from '../support/fake-openstack.ts';
import { HttpClient } from '../../lib/openstack/http.ts';
import { KeystoneSession } from '../../lib/openstack/keystone.ts';
import { apiProbe } from '../../lib/probes/api-probe.ts';
import { vipHolderProbe } from '../../lib/probes/vip-holder-probe.ts';
import { faultEnvironment, ipAddrOutput } from '../support/fault-environment.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

describe('polling probes', () => {
  describe('vipHolderProbe', () => {
    it('asks every holder once per tick on the VIP interface and records the holder set, until stopped', async () => {
      let tick = 0;
      const remote = new RecordingRemote((node) => {
        // ha1 holds it for the first ticks, then both (split brain), and ha2 stops answering at the end.
        const n = Math.floor(tick++ / 2);
        if (node === 'ha2' && n >= 4) return new Error('node ha2: command timed out after 2000 ms');
        return { stdout: ipAddrOutput(node === 'ha1' || n >= 2 ? ['198.18.10.5'] : []) };
      });
      const vip = faultEnvironment().vips.mgmt1!;
      const probe = vipHolderProbe(remote, 'mgmt1', vip, { intervalMs: 10, maxDurationMs: 5000 });
      probe.start();
      while (probe.history().length < 6) await new Promise((r) => setTimeout(r, 5));
      const samples = await probe.stop();
      assert.ok(remote.calls.every((c) => c.command === 'ip -o -4 addr show dev eth1'));
      assert.deepEqual(samples.slice(0, 5).map((s) => [s.holders.join('+'), s.unknown.join(','), s.ok]), [
        ['ha1', '', true],
        ['ha1', '', true],
        ['ha1+ha2', '', false],
        ['ha1+ha2', '', false],
        ['ha1', 'ha2', false],
      ]);
      assert.equal(samples[4]!.detail, 'ha1 (no answer: ha2)');
      assert.ok(samples.every((s, i) => i === 0 || s.t >= samples[i - 1]!.t));
      // Stopped means stopped: no more commands.
      const calls = remote.calls.length;
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(remote.calls.length, calls);
    });

    it('ends by itself at its deadline', async () => {
      const probe = vipHolderProbe(new RecordingRemote(), 'mgmt1', faultEnvironment().vips.mgmt1!, { intervalMs: 10, maxDurationMs: 60 });
      probe.start();
      await new Promise((r) => setTimeout(r, 150));
      const n = probe.history().length;
      // How many 10 ms ticks fit in 60 ms depends on the timers and the
      // machine's load (a loaded run got 9): at least one, and far from the
      // hundreds a loop without its interval would make. What matters is below:
      // nothing after the deadline.
      assert.ok(n >= 1 && n <= 15, `${n} samples`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(probe.history().length, n);
      await probe.stop();
    });
  });

  describe('apiProbe', () => {
    let cloud: FakeCloud | undefined;
    afterEach(async () => cloud?.close());

    it('records one entry per request, status and latency, without retries and without secrets', async () => {
      let n = 0;
      cloud = await startFakeCloud((req, res) => {
        n++;
        if (n === 3 || n === 4) return sendJson(res, 503, { error: 'no backend' });
        sendJson(res, 200, { instances: [], path: req.url });
      });
      const session = new KeystoneSession({ name: 'tenant', authUrl: `${cloud.server.url}/v3`, credentials: CREDENTIALS, region: 'RegionOne', interface: 'public', http: new HttpClient({ timeoutMs: 2000 }) });
      const probe = apiProbe(session, { intervalMs: 10, maxDurationMs: 5000 });
      probe.start();
      while (probe.history().length < 6) await new Promise((r) => setTimeout(r, 5));
      const h = await probe.stop();
      assert.deepEqual(h.slice(0, 6).map((e) => [e.ok, e.detail]), [
        [true, 'HTTP 200'],
        [true, 'HTTP 200'],
        [false, 'HTTP 503'],
        [false, 'HTTP 503'],
        [true, 'HTTP 200'],
        [true, 'HTTP 200'],
      ]);
      assert.equal(h[0]!.op, 'GET database/instances');
      // Each 503 was one request: retries are off.
      assert.equal(cloud.serviceRequests().length, h.length);
      const text = JSON.stringify(h);
      for (const token of cloud.keystone.issued) assert.ok(!text.includes(token));
      assert.ok(!text.includes(CREDENTIALS.password));
    });

    it('records a refused connection as "no answer"', async () => {
      const session = new KeystoneSession({ name: 'tenant', authUrl: 'http://127.0.0.1:9/v3', credentials: CREDENTIALS, region: 'RegionOne', interface: 'public', http: new HttpClient({ timeoutMs: 500, retry: { retries: 0 } }) });
      const probe = apiProbe(session, { intervalMs: 10, maxDurationMs: 5000 });
      probe.start();
      while (probe.history().length < 2) await new Promise((r) => setTimeout(r, 5));
      const h = await probe.stop();
      assert.match(h[0]!.detail!, /^no answer \(ECONNREFUSED\)$/);
    });
  });
});
