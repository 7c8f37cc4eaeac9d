// The provisioning ensure-helpers against the lab cloud behind a real Keystone
// on loopback: a dry run plans and changes nothing, the first run creates the
// documents' topology, the real `openstack` CLI sees it as asked, a second run
// changes nothing, and a planted difference is repaired with exactly one update.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { changeContext, countChanges, formatChange, type Change } from '../../lib/provision/change.ts';
import { cloudClients, provisionCloud } from '../../lib/provision/provision-cloud.ts';
import { seedBootRefs, startLoopbackCloud, type LoopbackCloud } from '../support/loopback-cloud.ts';
import { labProvisionSection } from '../support/provision-env.ts';
import { adminCliEnv, openstackCli, runner } from '../support/openstack-cli.ts';
import { generateKey } from '../support/ssh-keys.ts';

describe('provision: ensure-helpers against the lab cloud on loopback', function () {
  this.timeout(180_000);
  let lc: LoopbackCloud;
  const run = runner(() => adminCliEnv(lc.keystone, lc.dir), () => lc.dir);
  const { os, osJson } = openstackCli(run);

  const provision = async (dryRun: boolean) => {
    const ctx = changeContext(dryRun);
    const t0 = Date.now();
    await provisionCloud(ctx, lc.env, cloudClients(lc.admin));
    const ms = Date.now() - t0;
    return { changes: ctx.changes, counts: countChanges(ctx.changes), ms };
  };
  const show = (label: string, r: { changes: Change[]; counts: Record<string, number>; ms: number }, dryRun = false) =>
    process.stdout.write(`      ${label}: ${JSON.stringify(r.counts)} in ${r.ms} ms\n${r.changes.filter((c) => c.action !== 'unchanged').map((c) => `        ${formatChange(c, dryRun)}\n`).join('')}`);

  before(async () => {
    lc = await startLoopbackCloud(labProvisionSection());
    await seedBootRefs(lc.admin, generateKey(join(lc.dir, 'id'), 'ed25519'));
  });
  after(async () => lc?.stop());

  it('a dry run prints the whole plan and creates nothing', async () => {
    const r = await provision(true);
    show('dry run on an empty cloud', r, true);
    // 4 networks + 4 subnets + group + 3 rules (vrrp, 8080, 5670-5672) + 8 ports + 2 servers
    assert.deepEqual(r.counts, { create: 22, update: 0, unchanged: 0, drift: 0 });
    assert.deepEqual(await osJson('network', 'list'), []);
  });

  it('the first run creates the topology as the documents describe it; the openstack CLI agrees', async () => {
    const r = await provision(false);
    show('first run', r);
    assert.deepEqual(r.counts, { create: 22, update: 0, unchanged: 0, drift: 0 });
    const admin = await osJson('network', 'show', 'admin-mgmt');
    assert.equal(admin['provider:network_type'], 'vlan');
    assert.equal(admin['provider:physical_network'], 'physnet1');
    assert.equal(admin['provider:segmentation_id'], 1029);
    const mgmt = await osJson('network', 'show', 'trove-mgmt2');
    assert.equal(mgmt.shared, true);
    const subnet = await osJson('subnet', 'show', 'trove-mgmt2-subnet');
    assert.equal(subnet.gateway_ip, null);
    assert.deepEqual(subnet.allocation_pools, [{ start: '198.18.11.6', end: '198.18.11.254' }]);
    const rules = await osJson<{ 'IP Protocol': string | null; 'Port Range': string; 'Remote Security Group': string | null; Direction: string }[]>('security', 'group', 'rule', 'list', '--long', 'trove-mgmt-group');
    const ingress = rules.filter((x) => x.Direction === 'ingress').map((x) => `${x['IP Protocol']} ${x['Port Range']}`).sort();
    assert.deepEqual(ingress, ['tcp 5670:5672', 'tcp 8080:8080', 'vrrp ']);
    const port = await osJson('port', 'show', 'ha2-trove-mgmt3');
    assert.deepEqual((port.allowed_address_pairs as { ip_address: string }[]).map((p) => p.ip_address), ['198.18.12.5']);
    assert.deepEqual((port.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address), ['198.18.12.3']);
    const server = await osJson('server', 'show', 'ha1');
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server.key_name, 'trove-ha');
    assert.deepEqual(server.addresses, { 'admin-mgmt': ['198.18.0.21'], 'trove-mgmt1': ['198.18.10.2'], 'trove-mgmt2': ['198.18.11.2'], 'trove-mgmt3': ['198.18.12.2'] });
  });

  it('a second run changes nothing', async () => {
    const r = await provision(false);
    show('second run', r);
    assert.deepEqual(r.counts, { create: 0, update: 0, unchanged: 19, drift: 0 });
  });

  it('a planted difference (a VIP dropped from a port, a pool widened) is repaired, and only that', async () => {
    await os('port', 'set', '--no-allowed-address', 'ha1-trove-mgmt1');
    await os('subnet', 'set', '--no-allocation-pool', '--allocation-pool', 'start=198.18.11.2,end=198.18.11.254', 'trove-mgmt2-subnet');
    const plan = await provision(true);
    show('dry run after planting', plan, true);
    assert.deepEqual(
      plan.changes.filter((c) => c.action !== 'unchanged').map((c) => [c.action, c.object]),
      [
        ['update', 'subnet trove-mgmt2-subnet'],
        ['update', 'port ha1-trove-mgmt1'],
      ],
    );
    const fixed = await provision(false);
    assert.deepEqual(fixed.counts, { create: 0, update: 2, unchanged: 17, drift: 0 });
    const port = await osJson('port', 'show', 'ha1-trove-mgmt1');
    assert.deepEqual((port.allowed_address_pairs as { ip_address: string }[]).map((p) => p.ip_address), ['198.18.10.5']);
    assert.deepEqual((await provision(false)).counts, { create: 0, update: 0, unchanged: 19, drift: 0 });
  });
});
