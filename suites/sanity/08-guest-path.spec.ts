// What a guest on each trove-mgmt network sees (seed 000): the proxy name
// resolves to its network's VIP, RabbitMQ answers an AMQP handshake on every
// listener of that VIP, and Swift works through it. Checked from the network's
// probe node, never from the harness's own legs (which do not reach trove-mgmt).
import assert from 'node:assert/strict';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step, attachText } from '../../lib/report/allure.ts';
import { shellQuote } from '../../lib/remote/shell-quote.ts';

// Opens TCP, sends the AMQP 0-9-1 protocol header and prints the first byte of
// the answer: 01 is a method frame (Connection.Start) from a live broker.
const amqpHandshake = (host: string, port: number) =>
  `timeout 5 bash -c ${shellQuote(`exec 3<>/dev/tcp/${host}/${port}; printf 'AMQP\\x00\\x00\\x09\\x01' >&3; head -c 1 <&3 | od -An -tx1`)}`;

describe('sanity: guest path through the trove-mgmt VIPs', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  const vipsWithProbe = (s: Site) => Object.entries(s.env.vips).filter(([, v]) => v.probeFrom && v.hostname);

  it('each trove-mgmt VIP serves AMQP and Swift to a guest on its network', async function () {
    await place({ epic: 'Sanity', feature: 'guest path', story: 'AMQP and Swift through the management VIP' });
    const vips = vipsWithProbe(site);
    if (vips.length === 0) this.skip(); // no VIP declares a probe node and a guest hostname
    const token = await site.openstack.tenant.token();
    const swiftEndpoint = new URL(await site.openstack.tenant.endpoint('object-store'));
    for (const [name, vip] of vips) {
      const probe = vip.probeFrom!;
      const host = vip.hostname!;
      await step(`${name}: ${host} resolves to ${vip.address} on ${probe}`, async () => {
        const r = await site.remote.exec(probe, `getent hosts ${shellQuote(host)}`);
        assert.equal(r.stdout.trim().split(/\s+/)[0], vip.address, `${probe} resolves ${host} to ${r.stdout.trim() || 'nothing'}`);
      });
      for (const [purpose, port] of Object.entries(vip.ports).filter(([p]) => p.startsWith('amqp'))) {
        await step(`${name}: AMQP handshake on ${host}:${port} (${purpose})`, async () => {
          const r = await site.remote.exec(probe, amqpHandshake(host, port), { allowFail: true });
          assert.equal(r.stdout.trim(), '01', `no Connection.Start from ${host}:${port} (${purpose}): exit ${r.code} ${r.stderr.trim()}`);
        });
      }
      const swiftPort = vip.ports.swift;
      if (swiftPort) {
        await step(`${name}: Swift PUT/GET/DELETE through ${host}:${swiftPort}`, async () => {
          const base = `http://${host}:${swiftPort}${swiftEndpoint.pathname.replace(/\/$/, '')}/trove-ha-sanity-${site.ctx.runId}-${name}`;
          // The token goes through stdin (curl -H @-), never on a command line.
          const curl = (args: string) => `curl -sS -o /dev/null -w '%{http_code}' -H @- ${args}`;
          const input = `X-Auth-Token: ${token.value}\n`;
          const run = async (what: string, args: string, want: RegExp) => {
            const r = await site.remote.exec(probe, curl(args), { input, secrets: [token.value], allowFail: true });
            await attachText(`${name} ${what}`, `HTTP ${r.stdout.trim()} ${r.stderr.trim()}`);
            assert.match(r.stdout.trim(), want, `${what} through ${host}:${swiftPort} answered ${r.stdout.trim() || 'nothing'} ${r.stderr.trim()}`);
          };
          await run('create container', `-X PUT ${shellQuote(base)}`, /^20[12]$/);
          await run('put object', `-X PUT --data-binary guest-path ${shellQuote(`${base}/probe`)}`, /^201$/);
          await run('get object', shellQuote(`${base}/probe`), /^200$/);
          await run('delete object', `-X DELETE ${shellQuote(`${base}/probe`)}`, /^204$/);
          await run('delete container', `-X DELETE ${shellQuote(base)}`, /^204$/);
        });
      }
    }
  });
});
