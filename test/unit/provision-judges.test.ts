// The lint's pure parts on recorded input: the documents' own keepalived
// sample (seed 000, 3.4.2, verbatim), security-group rule matching as Neutron
// stores rules, and the subnet arithmetic of the documents' layout.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { failures } from '../../lib/checks/finding.ts';
import type { SecurityGroupRule } from '../../lib/openstack/network.ts';
import { ruleCovers } from '../../lib/provision/ensure-security-group.ts';
import { hostAddress, inCidr, mgmtPool, normalizeCidr } from '../../lib/provision/ipv4.ts';
import { judgeVrrp } from '../../lib/provision/lint-judges.ts';
import { parseKeepalivedConfig } from '../../lib/provision/parse-keepalived.ts';

const sample = JSON.parse(readFileSync(new URL('../fixtures/recorded/seed000-keepalived.json', import.meta.url), 'utf8')) as { master: string; backup: string };
const staging = [
  { name: 'trove-mgmt1', cidr: '10.50.0.0/24' },
  { name: 'trove-mgmt2', cidr: '10.50.1.0/24' },
  { name: 'trove-mgmt3', cidr: '10.50.2.0/24' },
];

describe('provision lint judges', () => {
  it("the documents' keepalived sample: VI_3 is MASTER on both nodes; id 51 reused, but each on its own trove-mgmt network", () => {
    const cluster = [
      { node: 'ha1', config: parseKeepalivedConfig(sample.master) },
      { node: 'ha2', config: parseKeepalivedConfig(sample.backup) },
    ];
    assert.deepEqual(cluster[0]!.config.instances.map((i) => [i.name, i.state, i.interface, i.virtualRouterId, i.vips.join()]), [
      ['VI_1', 'MASTER', 'eth1', 51, '10.50.0.5'],
      ['VI_2', 'MASTER', 'eth2', 51, '10.50.1.5'],
      ['VI_3', 'MASTER', 'eth3', 51, '10.50.2.5'],
    ]);
    const bad = failures(judgeVrrp(cluster, staging));
    assert.deepEqual(bad.map((f) => [f.check, f.subject, f.message]), [['lint.vrrp-master', 'vrrp_instance VI_3', 'declared MASTER on 2 nodes (ha1, ha2); declare it on one and BACKUP on the others']]);
  });

  it('the sample with all three VIPs on one network: id 51 is reported for that segment', () => {
    const oneSegment = [{ name: 'trove-mgmt', cidr: '10.50.0.0/16' }];
    const bad = failures(judgeVrrp([{ node: 'ha1', config: parseKeepalivedConfig(sample.master) }], oneSegment));
    assert.deepEqual(bad.map((f) => f.subject), ['network trove-mgmt virtual_router_id 51']);
    assert.match(bad[0]!.message, /used by 3 vrrp_instances on one segment \(VI_1@ha1, VI_2@ha1, VI_3@ha1\)/);
  });

  const rule = (r: Partial<SecurityGroupRule>): SecurityGroupRule => ({
    id: 'r',
    security_group_id: 'g',
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: null,
    ...r,
  });
  const vrrp = { protocol: 'vrrp' as const, portMin: null, portMax: null, remoteSelf: true };
  const amqp = { protocol: 'tcp' as const, portMin: 5670, portMax: 5672, remoteSelf: false };

  it('security-group rules: "vrrp" and "112" are one protocol; a rule for any protocol or all TCP ports covers; a narrower one does not', () => {
    assert.equal(ruleCovers(rule({ protocol: '112', remote_group_id: 'g' }), vrrp, 'g'), true);
    assert.equal(ruleCovers(rule({ protocol: 'vrrp', remote_group_id: 'other' }), vrrp, 'g'), false);
    assert.equal(ruleCovers(rule({ protocol: 'vrrp', direction: 'egress' }), vrrp, 'g'), false);
    assert.equal(ruleCovers(rule({}), vrrp, 'g'), true, 'any protocol from anywhere');
    assert.equal(ruleCovers(rule({ protocol: 'tcp' }), amqp, 'g'), true, "the documents' `--protocol tcp` (all ports)");
    assert.equal(ruleCovers(rule({ protocol: 'tcp', port_range_min: 5670, port_range_max: 5671 }), amqp, 'g'), false);
    assert.equal(ruleCovers(rule({ protocol: '6', port_range_min: 5000, port_range_max: 6000, remote_ip_prefix: '0.0.0.0/0' }), amqp, 'g'), true);
    assert.equal(ruleCovers(rule({ protocol: 'tcp', remote_ip_prefix: '10.50.0.0/24' }), amqp, 'g'), false, 'open to one network only');
  });

  it("subnet arithmetic of the documents' layout", () => {
    assert.deepEqual(mgmtPool('10.50.1.0/24'), { start: '10.50.1.6', end: '10.50.1.254' });
    assert.equal(hostAddress('10.50.2.0/24', 5), '10.50.2.5');
    assert.equal(normalizeCidr('10.50.2.77/24'), '10.50.2.0/24');
    assert.equal(inCidr('10.50.2.5', '10.50.2.0/24'), true);
    assert.equal(inCidr('10.50.3.5', '10.50.2.0/24'), false);
    assert.equal(inCidr('10.50.2.5', '10.50.2.5/32'), true);
    assert.equal(inCidr('10.50.2.6', '10.50.2.5/32'), false);
    assert.equal(inCidr('10.50.2.255', '10.50.2.0/24'), true);
  });
});
