// The provisioning helpers against the running lab, whose HAProxy nodes ha1/ha2
// they built (lab/steps/proxies.ts): `trove-ha provision --env lab` finds
// nothing to change, rebuilds a deleted server (host key from its console,
// configs, services), and its lint catches each of the documents' defects
// planted in the lab, which the next provisioning run puts right. Then the
// Trove side: the cloud-init pushed to the controllers (to a scratch
// directory), and a datastore version registered through trove-manage over
// SSH and read back through trove-api.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Environment } from '../../lib/env/schema.ts';
import { DatabaseClient } from '../../lib/openstack/database.ts';
import { openSessions } from '../../lib/openstack/sessions.ts';
import { changeContext, countChanges } from '../../lib/provision/change.ts';
import { ComputeClient, ImageClient } from '../../lib/openstack/compute.ts';
import { ensureCloudinit, ensureDatastore } from '../../lib/provision/ensure-trove.ts';
import { cloudClients } from '../../lib/provision/provision-cloud.ts';
import { waitUntil } from '../../lib/harness/wait.ts';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { Remote } from '../../lib/remote/index.ts';
import { DATASTORE } from '../../lab/steps/trove.ts';
import { LAB_ENV_FILE } from '../../lab/contract.ts';
import { labEnvWithProvision } from '../support/provision-env.ts';
import { ensureLabUp, say } from './support.ts';

const SCRATCH = '/tmp/trove-ha-provision-test';
const TEST_VERSION = `${DATASTORE.version}-provision-test`;

describe('provision helpers on the running lab', function () {
  this.timeout(10 * 60_000);
  let env: Environment;
  let remote: Remote;

  const labEnv = (edit?: (raw: Record<string, any>) => void) =>
    labEnvWithProvision(
      {
        // lab.yaml's own provision section (the one `lab up` built ha1/ha2 with), plus the Trove side in scratch paths.
        ...(parse(readFileSync(LAB_ENV_FILE, 'utf8')) as { provision: Record<string, unknown> }).provision,
        trove: {
          controllers: ['ctl1', 'ctl2', 'ctl3'],
          image: DATASTORE.image,
          cloudinitDir: `${SCRATCH}/cloudinit`,
          // The lab's trove-manage shim (Python 3.11), see lab/steps/trove.ts.
          manageCommand: '/usr/bin/python3 /var/lib/trove-ha-lab/bin/trove-manage --config-file /etc/trove/trove.conf',
        },
      },
      edit,
    );

  before(async () => {
    await ensureLabUp();
    env = labEnv();
    remote = new Remote(env);
  });
  after(async () => {
    if (remote) {
      for (const n of ['ctl1', 'ctl2', 'ctl3']) await remote.exec(n, `rm -rf ${SCRATCH}`, { allowFail: true });
      await remote.close();
    }
  });

  /** `trove-ha provision --env lab [args]`, as an operator runs it. */
  const provisionCli = (...args: string[]) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/trove-ha.js'), 'provision', '--env', 'lab', ...args], { encoding: 'utf8', timeout: 10 * 60_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
  };
  const summaryLine = (out: string) => out.split('\n').find((l) => /^(provision|plan): /.test(l)) ?? out.slice(-800);
  /** Runs the lint only (a dry run, changes nothing) and returns the failing findings as [check, subject]. */
  const lintFailures = () => {
    const r = provisionCli('--lint-only');
    return { ...r, failing: [...r.out.matchAll(/^FAIL (\S+) \[([^\]]+)\]/gm)].map((m) => [m[1]!, m[2]!]) };
  };
  /** Provisioning puts the planted defect right. */
  const reprovision = (why: string) => {
    const r = provisionCli();
    say(`${why}: ${summaryLine(r.out)}`);
    assert.equal(r.code, 0, r.out);
  };

  it('the lab as `lab up` built it through the provisioning helpers: `trove-ha provision --env lab` changes nothing and the lint is clean', () => {
    const r = provisionCli();
    say(`second provisioning run: ${summaryLine(r.out)} in ${r.ms} ms`);
    assert.equal(r.code, 0, r.out);
    assert.match(summaryLine(r.out), /provision: 0 created, 0 updated, \d+ unchanged, 0 drift/);
    const plan = provisionCli('--dry-run');
    assert.match(summaryLine(plan.out), /plan: 0 to create, 0 to update/);
  });

  it('a deleted HAProxy server is rebuilt by `trove-ha provision`: server, host key from its console, configs, services; a second run changes nothing', async () => {
    const { admin } = openSessions(env);
    const nova = new ComputeClient(admin);
    const [ha2] = await nova.serversNamed('ha2');
    assert.ok(ha2, 'server ha2 in the lab cloud');
    await admin.request('compute', 'DELETE', `servers/${ha2.id}`);
    await waitUntil('server ha2 gone from the lab cloud', async () => ({ done: (await nova.serversNamed('ha2')).length === 0 }), { timeoutMs: 60_000, intervalMs: 500 });
    const r = provisionCli();
    say(`after deleting ha2: ${summaryLine(r.out)} in ${r.ms} ms`);
    assert.equal(r.code, 0, r.out);
    for (const what of [/server ha2/, /known_hosts.*ha2/, /haproxy config ha2/, /keepalived config ha2/]) assert.match(r.out, what);
    const again = provisionCli();
    assert.match(summaryLine(again.out), /provision: 0 created, 0 updated, \d+ unchanged, 0 drift/, again.out);
    const rebuilt = await remote.exec('ha2', 'supervisorctl status haproxy keepalived toxiproxy', { allowFail: true });
    assert.equal((rebuilt.stdout.match(/RUNNING/g) ?? []).length, 3, rebuilt.stdout);
  });

  describe("the lint catches each of the documents' defects planted in the lab", () => {
    const neutron = () => cloudClients(openSessions(env).admin).neutron;

    it('a trove-mgmt network with a second subnet', async () => {
      const [net] = await neutron().listNetworks({ name: 'trove-mgmt2' });
      const extra = await neutron().createSubnet({ name: 'trove-mgmt2-extra', network_id: net!.id, ip_version: 4, cidr: '198.18.13.0/24', gateway_ip: null });
      try {
        const l = lintFailures();
        assert.deepEqual(l.failing, [['lint.mgmt-network-subnets', 'network trove-mgmt2']], l.out);
        assert.equal(l.code, 1);
      } finally {
        await neutron().deleteSubnet(extra.id); // provisioning never deletes a subnet
      }
      assert.deepEqual(lintFailures().failing, []);
    });

    it("a VIP missing from a port's allowed-address-pairs", async () => {
      const [port] = await neutron().listPorts({ name: 'ha2-trove-mgmt3' });
      await neutron().updatePort(port!.id, { allowed_address_pairs: [] });
      const l = lintFailures();
      assert.deepEqual(l.failing, [['lint.allowed-address-pairs', `port ha2-trove-mgmt3 of ha2 on trove-mgmt3 (${port!.id})`]], l.out);
      reprovision('allowed-address-pairs restored');
    });

    it('a security group without VRRP', async () => {
      const [sg] = await neutron().listSecurityGroups({ name: 'trove-mgmt-group' });
      const vrrp = (sg!.security_group_rules ?? []).find((r) => r.protocol === 'vrrp' || r.protocol === '112');
      assert.ok(vrrp, JSON.stringify(sg));
      await neutron().deleteSecurityGroupRule(vrrp.id);
      const l = lintFailures();
      assert.deepEqual([...new Set(l.failing.map((f) => f[0]!))], ['lint.security-group-vrrp'], l.out);
      reprovision('VRRP rule restored');
    });

    // keepalived.conf edited on the node, not reloaded: the VIPs do not move; provisioning rewrites it and sends HUP.
    for (const [defect, edit, check] of [
      ['two vrrp_instances with one virtual_router_id on a segment', (c: string) => c.replace(/virtual_router_id 52/, 'virtual_router_id 51'), 'lint.vrrp-router-id'],
      ['more than one MASTER for a vrrp_instance', (c: string) => c.replace(/(vrrp_instance VI_1 \{\s*state) BACKUP/, '$1 MASTER'), 'lint.vrrp-master'],
    ] as const) {
      it(defect, async () => {
        const before = (await remote.exec('ha2', 'cat /etc/keepalived/keepalived.conf')).stdout;
        const planted = edit(before);
        assert.notEqual(planted, before, 'the plant changed the file');
        await remote.exec('ha2', 'cat > /etc/keepalived/keepalived.conf', { input: planted });
        const l = lintFailures();
        assert.ok(l.failing.length > 0 && l.failing.every((f) => f[0]!.startsWith(check)), l.out);
        reprovision('keepalived.conf restored');
      });
    }
  });

  it('cloud-init on the three controllers: written and checked once, then unchanged', async () => {
    const first = changeContext(false);
    await ensureCloudinit(first, env, remote);
    say(`cloud-init first run: ${JSON.stringify(countChanges(first.changes))}`);
    assert.equal(first.changes.length, 3);
    const second = changeContext(false);
    await ensureCloudinit(second, env, remote);
    assert.deepEqual(second.changes.map((c) => c.action), ['unchanged', 'unchanged', 'unchanged']);
  });

  it(`datastore: the lab's ${DATASTORE.name} ${DATASTORE.version} is unchanged; ${TEST_VERSION} is registered with trove-manage, then unchanged`, async () => {
    const { admin } = openSessions(env);
    const trove = new DatabaseClient(admin);
    const glance = new ImageClient(admin);
    const existing = changeContext(false);
    await ensureDatastore(existing, env, trove, glance, remote);
    assert.deepEqual(existing.changes.map((c) => c.action), ['unchanged'], JSON.stringify(existing.changes));

    const testEnv = labEnv((raw) => (raw.trove.datastoreVersion = TEST_VERSION));
    const plan = changeContext(true);
    await ensureDatastore(plan, testEnv, trove, glance, remote);
    assert.deepEqual(plan.changes.map((c) => c.action), ['create']);
    let t0 = Date.now();
    const created = changeContext(false);
    await ensureDatastore(created, testEnv, trove, glance, remote);
    say(`datastore version ${TEST_VERSION}: created in ${Date.now() - t0} ms (${created.changes[0]?.detail})`);
    const v = (await trove.listDatastores()).find((d) => d.name === DATASTORE.name)?.versions.find((x) => x.name === TEST_VERSION);
    assert.ok(v, `${TEST_VERSION} listed by trove-api`);
    assert.ok((await trove.listDatastoreVersionParameters(v.id)).length > 10);
    t0 = Date.now();
    const again = changeContext(false);
    await ensureDatastore(again, testEnv, trove, glance, remote);
    say(`second run: ${again.changes[0]?.action} in ${Date.now() - t0} ms`);
    assert.deepEqual(again.changes.map((c) => c.action), ['unchanged']);
  });
});
