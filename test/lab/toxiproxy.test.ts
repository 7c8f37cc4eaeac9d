// The lab's toxiproxy on the guest -> RabbitMQ path, driven the way the fault
// scenarios drive any site: the environment file (toxiproxy.servers/proxies),
// faultContext + Injector (journal first) + the link faults of lib/faults, and
// seen as a guest sees it: the AMQP handshake loop of lib/probes from the
// trove-mgmt1 probe node through the VIP. A latency toxic must add its latency
// to the handshake, a down must fail it, each heal must give back a clean path,
// and the journal must have nothing open at the end.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeToxiproxy, readToxiproxy, type ToxiproxyProxyState } from '../../lib/checks/toxiproxy.ts';
import { loadEnvironment } from '../../lib/env/load.ts';
import type { Environment } from '../../lib/env/schema.ts';
import { Remote } from '../../lib/remote/remote.ts';
import { faultContext, Injector, linkDown, linkToxic, type FaultContext } from '../../lib/faults/index.ts';
import type { FaultWindow } from '../../lib/faults/injector.ts';
import { readJournal } from '../../lib/faults/journal.ts';
import { guestAmqpProbe } from '../../lib/probes/guest-amqp-probe.ts';
import type { History } from '../../lib/probes/history.ts';
import { checkSiteHealth } from '../../lib/checks/site-health.ts';
import { failures, describeFindings } from '../../lib/checks/finding.ts';
import { ensureLabUp, say } from './support.ts';

const VIP = 'trove-mgmt1';
const PROXY = 'amqp-ctl1';
const LATENCY_MS = 300;
/**
 * Observation windows: the guest loop reports only when stopped, so each phase
 * is a fixed stretch of samples (every 100 ms), judged afterwards by the fault
 * windows' timestamps; each phase must hold enough samples or the test fails.
 */
const PHASE_MS = 4_000;
/** Under the toxic a handshake takes ~300 ms + the 100 ms cadence: a longer phase for enough samples. */
const LATENCY_PHASE_MS = 6_000;
const BASELINE_MS = 5_000;
/**
 * With the proxy down HAProxy keeps the guest's connection open while it
 * retries its server (3 retries, one second apart: its turn-around timer), so
 * a guest's handshake runs into its reply timeout (1 s here, above the toxic's
 * 300 ms) rather than failing at once: that phase is longer.
 */
const DOWN_PHASE_MS = 8_000;
const MIN_SAMPLES = 10;
/**
 * The loop's timestamps are mapped to the harness's clock through an offset
 * measured over SSH (lib/probes/clock-offset.ts), good to about half an SSH
 * round trip: a phase is judged on the samples at least this far inside it.
 */
const GUARD_MS = 1_000;
/** A handshake "without the toxic": well under the toxic's latency, with room for a loaded 2-core machine. */
const FAST_MS = LATENCY_MS / 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const observe = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lab toxiproxy on the guest -> RabbitMQ path', function () {
  this.timeout(10 * 60_000);
  let env: Environment;
  let remote: Remote;
  let ctx: FaultContext;
  let injector: Injector;
  let journal = '';

  before(async () => {
    await ensureLabUp();
    env = loadEnvironment('lab').env;
    remote = new Remote(env);
    ctx = faultContext(env, remote);
    journal = join(mkdtempSync(join(tmpdir(), 'trove-ha-lab-toxi-')), 'journal.jsonl');
    injector = new Injector(ctx, { journalPath: journal, runId: 'lab-toxiproxy-test' });
  });
  after(async () => {
    await injector?.healAll();
    await remote?.close();
  });

  it('a latency toxic and a down on amqp-ctl1 act on the guest handshake through the VIP; heals give a clean path and an empty journal', async () => {
    const vip = env.vips[VIP]!;
    const faultyPort = vip.ports[PROXY]!;
    const otherPort = vip.ports['amqp-ctl2']!;
    const probe = (port: number) =>
      guestAmqpProbe(remote, { node: vip.probeFrom!, host: vip.hostname ?? vip.address, port, connectTimeoutMs: 1000, replyTimeoutMs: 1000, maxDurationMs: 120_000 });
    const faulty = probe(faultyPort);
    const other = probe(otherPort);
    faulty.start();
    other.start();
    let latency: FaultWindow;
    let down: FaultWindow;
    let histories: { faulty: History; other: History };
    try {
      await observe(BASELINE_MS); // baseline, after the loops' SSH start
      const toxic = linkToxic(ctx, PROXY, { type: 'latency', latencyMs: LATENCY_MS });
      latency = await injector.inject(toxic);
      const view = await readToxiproxy(env.toxiproxy!, 5_000);
      for (const node of Object.keys(env.toxiproxy!.servers!)) {
        const p = (view[node] as Record<string, ToxiproxyProxyState>)[PROXY];
        assert.deepEqual(p?.toxics, [{ name: toxic.id, type: 'latency' }], `toxic on ${node}: ${JSON.stringify(view[node])}`);
      }
      await observe(LATENCY_PHASE_MS);
      latency = await injector.heal(toxic);
      await observe(PHASE_MS);
      const link = linkDown(ctx, PROXY);
      down = await injector.inject(link);
      await observe(DOWN_PHASE_MS);
      down = await injector.heal(link);
      await observe(DOWN_PHASE_MS);
    } finally {
      histories = { faulty: await faulty.stop(), other: await other.stop() };
    }
    assert.deepEqual([...faulty.errors(), ...other.errors()], [], 'the guest probe loops ran');

    const h = histories.faulty;
    say(`probe ${vip.probeFrom} clock offset ${faulty.clockOffset()?.offsetMs.toFixed(1)} ± ${faulty.clockOffset()?.uncertaintyMs.toFixed(1)} ms; phases judged ${GUARD_MS} ms inside their bounds`);
    const detail = (xs: History) => [...new Set(xs.map((e) => e.detail))].join(', ');
    const between = (from: number, to: number) => h.filter((e) => e.t >= from + GUARD_MS && e.t + e.latencyMs <= to - GUARD_MS);
    const phase = (name: string, from: number, to: number, min = MIN_SAMPLES) => {
      const xs = between(from, to);
      const ms = xs.map((e) => e.latencyMs);
      // Said before any judgement, so a failing run still shows what the guest saw.
      say(`${name}: ${xs.length} handshakes, ${xs.filter((e) => !e.ok).length} failed (${detail(xs.filter((e) => !e.ok)) || '-'}), ms min ${Math.min(...ms).toFixed(1)} median ${median(ms).toFixed(1)} max ${Math.max(...ms).toFixed(1)}`);
      assert.ok(xs.length >= min, `${name}: only ${xs.length} guest handshakes between ${from} and ${to}`);
      return xs;
    };

    const baseline = phase('baseline', 0, latency!.injectedAt);
    assert.ok(baseline.every((e) => e.ok), `baseline handshakes failed: ${detail(baseline.filter((e) => !e.ok))}`);
    const base = median(baseline.map((e) => e.latencyMs));

    const slow = phase('latency', latency!.injectDoneAt!, latency!.healStartedAt!, 6);
    assert.ok(slow.every((e) => e.ok), `handshakes failed under latency: ${detail(slow.filter((e) => !e.ok))}`);
    const slowMedian = median(slow.map((e) => e.latencyMs));
    const added = slowMedian - base;
    const around = (e: { t: number; latencyMs: number }) => `${e.latencyMs.toFixed(1)} ms at +${(e.t - latency!.injectDoneAt!).toFixed(0)} ms`;
    assert.ok(Math.min(...slow.map((e) => e.latencyMs)) >= LATENCY_MS, `handshakes under a ${LATENCY_MS} ms toxic faster than it (since the injection; offset uncertainty ${faulty.clockOffset()?.uncertaintyMs.toFixed(0)} ms): ${slow.filter((e) => e.latencyMs < LATENCY_MS).map(around).join(', ')}`);
    assert.ok(added >= LATENCY_MS - 5 && added <= LATENCY_MS + 150, `added latency ${added.toFixed(1)} ms, configured ${LATENCY_MS}`);

    // Heal: the first handshake started after the heal returned is fast again.
    const afterLatency = phase('after latency heal', latency!.healedAt!, down!.injectedAt);
    assert.ok(afterLatency.every((e) => e.ok && e.latencyMs < FAST_MS), `after the heal: ${afterLatency.map((e) => `${e.ok ? '' : 'FAIL '}${e.latencyMs}`).join(' ')}`);
    // The first handshake to complete after the heal started without the toxic's delay (held data is released at once).
    const firstFast = h.find((e) => e.t + e.latencyMs >= latency!.healStartedAt! && e.ok && e.latencyMs < FAST_MS)!;
    const latencyCleanMs = firstFast.t + firstFast.latencyMs - latency!.healStartedAt!;

    const cut = phase('down', down!.injectDoneAt!, down!.healStartedAt!, 3);
    assert.ok(cut.every((e) => !e.ok), `handshakes succeeded through a downed proxy: ${cut.filter((e) => e.ok).length}/${cut.length}`);
    const afterDown = phase('after down heal', down!.healedAt!, Infinity);
    // What the guest sees: the first handshake to succeed after the heal started
    // (one in flight may succeed on HAProxy's next retry).
    const firstOk = h.find((e) => e.t + e.latencyMs >= down!.healStartedAt! && e.ok)!;
    assert.ok(firstOk, 'no successful handshake after the down was healed');
    const downRecoveryMs = firstOk.t + firstOk.latencyMs - down!.healStartedAt!;
    assert.ok(downRecoveryMs < 5_000, `guest handshakes back ${downRecoveryMs.toFixed(0)} ms after the heal started`);
    assert.ok(afterDown.every((e) => e.ok && e.latencyMs < FAST_MS), `after the down heal: ${detail(afterDown.filter((e) => !e.ok || e.latencyMs >= FAST_MS))}`);

    // The other listener (amqp-ctl2) never noticed.
    const o = histories.other.filter((e) => e.t >= latency!.injectedAt && e.t <= down!.healedAt!);
    assert.ok(o.length >= MIN_SAMPLES && o.every((e) => e.ok && e.latencyMs < FAST_MS), `amqp-ctl2 was affected: ${o.filter((e) => !e.ok || e.latencyMs >= FAST_MS).map((e) => `${e.detail} ${e.latencyMs}`).join(', ')}`);

    say(`guest handshake through ${vip.address}:${faultyPort}: base median ${base.toFixed(1)} ms (${baseline.length} samples)`);
    say(`latency toxic ${LATENCY_MS} ms: median ${slowMedian.toFixed(1)} ms, added ${added.toFixed(1)} ms (min ${Math.min(...slow.map((e) => e.latencyMs)).toFixed(1)}, max ${Math.max(...slow.map((e) => e.latencyMs)).toFixed(1)}; ${slow.length} samples)`);
    say(`latency heal: API ${(latency!.healedAt! - latency!.healStartedAt!).toFixed(0)} ms on ${Object.keys(env.toxiproxy!.servers!).length} servers; first clean handshake ${latencyCleanMs.toFixed(0)} ms after the heal started`);
    say(`down: ${cut.length}/${cut.length} handshakes failed (${detail(cut)}; each ${cut.map((e) => e.latencyMs.toFixed(0)).join('/')} ms); heal API ${(down!.healedAt! - down!.healStartedAt!).toFixed(0)} ms; first handshake OK ${downRecoveryMs.toFixed(0)} ms after the heal started`);
    say(`amqp-ctl2 (${vip.address}:${otherPort}) during both faults: ${o.length} handshakes, all OK, median ${median(o.map((e) => e.latencyMs)).toFixed(1)} ms`);

    // A clean path on every server, nothing open in the journal, a healthy site.
    const clean = failures(judgeToxiproxy(await readToxiproxy(env.toxiproxy!, 5_000), Object.keys(env.toxiproxy!.proxies!)));
    assert.deepEqual(clean, [], describeFindings(clean));
    assert.deepEqual(readJournal(journal).filter((e) => !e.healed), [], 'faults left open in the journal');
    assert.equal(readJournal(journal).length, 2);
    const bad = failures(await checkSiteHealth(env, remote));
    assert.deepEqual(bad, [], describeFindings(bad));
  });
});
