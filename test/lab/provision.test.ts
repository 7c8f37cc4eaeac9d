// The provisioning helpers against the running lab, where they can only be
// checked for real: the rendered haproxy.cfg/keepalived.conf accepted by
// `haproxy -c`/`keepalived -t` ON ha1/ha2 (their real eth1-3), the lint reading
// the lab's own keepalived.conf over SSH and its trove-mgmt networks in the lab
// cloud, the cloud-init pushed to the controllers, and a datastore version
// registered through trove-manage over SSH and read back through trove-api.
// The lab's own files and daemons are not touched (configs go to /tmp paths;
// the lab does not build its HAProxy nodes through these helpers yet).
import assert from 'node:assert/strict';
import { failures } from '../../lib/checks/finding.ts';
import type { Environment } from '../../lib/env/schema.ts';
import { DatabaseClient } from '../../lib/openstack/database.ts';
import { openSessions } from '../../lib/openstack/sessions.ts';
import { changeContext, countChanges } from '../../lib/provision/change.ts';
import { ImageClient } from '../../lib/openstack/compute.ts';
import { ensureCloudinit, ensureDatastore } from '../../lib/provision/ensure-trove.ts';
import { keepalivedOverSsh, lintSite } from '../../lib/provision/lint-site.ts';
import { cloudClients } from '../../lib/provision/provision-cloud.ts';
import { ensureNodeFile } from '../../lib/provision/push-configs.ts';
import { renderHaproxyConfig } from '../../lib/provision/render-haproxy.ts';
import { renderKeepalivedConfig } from '../../lib/provision/render-keepalived.ts';
import { Remote } from '../../lib/remote/index.ts';
import { DATASTORE } from '../../lab/steps/trove.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';
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
        ...labProvisionSection(),
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
      for (const n of ['ha1', 'ha2', 'ctl1', 'ctl2', 'ctl3']) await remote.exec(n, `rm -rf ${SCRATCH}`, { allowFail: true });
      await remote.close();
    }
  });

  for (const node of ['ha1', 'ha2']) {
    it(`${node}: the rendered configs pass haproxy -c and keepalived -t on the node itself`, async () => {
      for (const [kind, content, check] of [
        ['haproxy', renderHaproxyConfig(env, node), 'haproxy -c -f'],
        ['keepalived', renderKeepalivedConfig(env, node), 'keepalived -t -f'],
      ] as const) {
        const ctx = changeContext(false);
        const file = { node, kind, path: `${SCRATCH}/${node}/${kind}.conf`, content, checkCommand: check, reload: async () => undefined };
        await ensureNodeFile(ctx, remote, file);
        assert.deepEqual(ctx.changes.map((c) => c.action), ['create']);
        const again = changeContext(false);
        await ensureNodeFile(again, remote, file);
        assert.deepEqual(again.changes.map((c) => c.action), ['unchanged']);
      }
    });
  }

  it('lint of the lab as it is: its keepalived.conf (over SSH) and trove-mgmt networks pass; no HAProxy VM ports yet', async () => {
    const { admin } = openSessions(env);
    const c = cloudClients(admin);
    const t0 = Date.now();
    const findings = await lintSite(env, { neutron: c.neutron, nova: c.nova, readKeepalived: keepalivedOverSsh(env, remote) });
    say(`lint: ${findings.length} findings, ${failures(findings).length} failing, ${Date.now() - t0} ms`);
    const byCheck = (prefix: string) => findings.filter((f) => f.check.startsWith(prefix));
    assert.ok(byCheck('lint.vrrp').length >= 6);
    assert.deepEqual(failures(byCheck('lint.vrrp')), [], 'the lab keepalived: one router id per segment, one MASTER per instance');
    assert.deepEqual(failures(byCheck('lint.mgmt-network')), [], 'one subnet per trove-mgmt network in the lab cloud');
    // ha1/ha2 are built by hand (namespaces), not as lab cloud servers: the lint says so, naming each.
    assert.deepEqual(failures(findings).map((f) => f.check), Array(6).fill('lint.proxy-port'));
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
