// The lint against the lab cloud behind a real Keystone on loopback, with the
// keepalived.conf of each HAProxy node rendered by the provisioner: a freshly
// provisioned site is clean, and each of the documents' defects, planted one
// at a time (Neutron ones with the real openstack CLI), is reported naming the
// object at fault. Each plant is undone by the next provision run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeFindings, failures, type Finding } from '../../lib/checks/finding.ts';
import { changeContext, countChanges } from '../../lib/provision/change.ts';
import { lintSite } from '../../lib/provision/lint-site.ts';
import { cloudClients, provisionCloud } from '../../lib/provision/provision-cloud.ts';
import { renderKeepalivedConfig } from '../../lib/provision/render-keepalived.ts';
import { seedBootRefs, startLoopbackCloud, type LoopbackCloud } from '../support/loopback-cloud.ts';
import { adminCliEnv, openstackCli, runner } from '../support/openstack-cli.ts';
import { labProvisionSection } from '../support/provision-env.ts';
import { generateKey } from '../support/ssh-keys.ts';

describe('provision: lint of a site, each defect planted in the lab cloud or a node config', function () {
  this.timeout(180_000);
  let lc: LoopbackCloud;
  let configs: Record<string, string> = {};
  const run = runner(() => adminCliEnv(lc.keystone, lc.dir), () => lc.dir);
  const { os, osJson } = openstackCli(run);
  const lint = async (): Promise<Finding[]> => {
    const c = cloudClients(lc.admin);
    return lintSite(lc.env, {
      neutron: c.neutron,
      nova: c.nova,
      readKeepalived: async (node) => {
        if (!(node in configs)) throw new Error(`cat: /etc/keepalived/keepalived.conf: No such file or directory`);
        return configs[node]!;
      },
    });
  };
  const failed = async () => failures(await lint()).map((f) => [f.check, f.subject]);
  const rendered = () => ({ ha1: renderKeepalivedConfig(lc.env, 'ha1'), ha2: renderKeepalivedConfig(lc.env, 'ha2') });

  before(async () => {
    lc = await startLoopbackCloud(labProvisionSection());
    await seedBootRefs(lc.admin, generateKey(join(lc.dir, 'id'), 'ed25519'));
    await provisionCloud(changeContext(false), lc.env, cloudClients(lc.admin));
  });
  beforeEach(async () => {
    configs = rendered();
    const ctx = changeContext(false);
    await provisionCloud(ctx, lc.env, cloudClients(lc.admin));
    assert.equal(countChanges(ctx.changes).drift, 0);
  });
  after(async () => lc?.stop());

  it('a freshly provisioned site is clean', async () => {
    const t0 = Date.now();
    const findings = await lint();
    process.stdout.write(`      lint: ${findings.length} findings, ${failures(findings).length} failing, in ${Date.now() - t0} ms\n`);
    assert.deepEqual(failures(findings), [], describeFindings(findings));
    assert.ok(findings.length >= 20);
  });

  it('a trove-mgmt network with a second subnet (the documents\' duplicate-route defect)', async () => {
    await os('subnet', 'create', '--network', 'trove-mgmt2', '--subnet-range', '198.18.13.0/24', '--gateway', 'none', 'trove-mgmt2-extra');
    const findings = failures(await lint());
    assert.deepEqual(findings.map((f) => [f.check, f.subject]), [['lint.mgmt-network-subnets', 'network trove-mgmt2']]);
    assert.match(findings[0]!.message, /has 2 subnets .*trove-mgmt2-extra 198\.18\.13\.0\/24/);
    await os('subnet', 'delete', 'trove-mgmt2-extra');
  });

  it('a VIP missing from a port\'s allowed-address-pairs', async () => {
    await os('port', 'set', '--no-allowed-address', 'ha2-trove-mgmt3');
    const port = await osJson('port', 'show', 'ha2-trove-mgmt3');
    assert.deepEqual(await failed(), [['lint.allowed-address-pairs', `port ha2-trove-mgmt3 of ha2 on trove-mgmt3 (${port.id})`]]);
  });

  it('a security group without VRRP, and one without a service port', async () => {
    const rules = await osJson<{ ID: string; 'IP Protocol': string | null; 'Port Range': string }[]>('security', 'group', 'rule', 'list', 'trove-mgmt-group');
    const vrrp = rules.find((r) => r['IP Protocol'] === 'vrrp')!;
    const swift = rules.find((r) => r['Port Range'] === '8080:8080')!;
    await os('security', 'group', 'rule', 'delete', vrrp.ID);
    let findings = failures(await lint());
    assert.deepEqual([...new Set(findings.map((f) => f.check))], ['lint.security-group-vrrp']);
    assert.equal(findings.length, 6, 'every trove-mgmt port of both nodes');
    assert.equal(findings[0]!.subject, 'security group trove-mgmt-group on port ha1-trove-mgmt1 of ha1 on trove-mgmt1');
    assert.match(findings[0]!.message, /no ingress vrrp from the group itself/);
    // Put VRRP back by hand as 112 (what the documents' `--protocol vrrp` also is), then drop Swift's port.
    await os('security', 'group', 'rule', 'create', '--ingress', '--protocol', '112', '--remote-group', 'trove-mgmt-group', 'trove-mgmt-group');
    await os('security', 'group', 'rule', 'delete', swift.ID);
    findings = failures(await lint());
    assert.deepEqual([...new Set(findings.map((f) => f.check))], ['lint.security-group-ports']);
    assert.match(findings[0]!.message, /no ingress tcp 8080 from anywhere/);
  });

  it('duplicate virtual_router_id on one segment (a second instance on trove-mgmt1 reusing 51)', async () => {
    configs.ha1 += '\nvrrp_instance VI_EXTRA {\n    state BACKUP\n    interface eth1\n    virtual_router_id 51\n    priority 90\n    virtual_ipaddress {\n        198.18.10.6/24 dev eth1\n    }\n}\n';
    const findings = failures(await lint());
    assert.deepEqual(findings.map((f) => [f.check, f.subject]), [['lint.vrrp-router-id', 'network trove-mgmt1 virtual_router_id 51']]);
    assert.match(findings[0]!.message, /VI_1@ha1, VI_EXTRA@ha1, VI_1@ha2/);
  });

  it('one vrrp_instance with different router ids on its nodes', async () => {
    configs.ha2 = configs.ha2!.replace('virtual_router_id 52', 'virtual_router_id 62');
    assert.deepEqual(await failed(), [['lint.vrrp-router-id', 'vrrp_instance VI_2']]);
  });

  it('two MASTERs for one vrrp_instance (the documents\' VI_3 on the backup)', async () => {
    configs.ha2 = configs.ha2!.replace(/(vrrp_instance VI_3 \{\n\s+state )BACKUP/, '$1MASTER');
    const findings = failures(await lint());
    assert.deepEqual(findings.map((f) => [f.check, f.subject]), [['lint.vrrp-master', 'vrrp_instance VI_3']]);
    assert.match(findings[0]!.message, /MASTER on 2 nodes \(ha1, ha2\)/);
  });

  it('a node whose keepalived.conf cannot be read is a finding, not a crash', async () => {
    delete configs.ha2;
    assert.deepEqual(await failed(), [['lint.keepalived-config', 'keepalived.conf on ha2']]);
  });
});
