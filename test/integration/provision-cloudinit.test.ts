// The cloud-init script rendered from the environment does what the lab's
// hand-written one (lab/steps/trove.ts, the documents' percona.cloudinit) does:
// both run as a guest's bootcmd, on the same addresses, leave the same
// /etc/hosts.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderCloudinit } from '../../lib/provision/render-cloudinit.ts';
import { mysqlCloudinit } from '../../lab/steps/trove.ts';
import { runBootcmd } from '../support/run-cloudinit.ts';
import { labEnvWithProvision, labProvisionSection } from '../support/provision-env.ts';

describe('provision: the cloud-init script on the controllers', () => {
  const ours = () => renderCloudinit(labEnvWithProvision(labProvisionSection()));
  const base = '127.0.0.1 localhost\n';
  const cases: [string, string[], string, string][] = [
    ['a guest on trove-mgmt2 (tenant address first)', ['198.18.20.41', '198.18.11.37'], base, `${base}198.18.11.5   proxy.polex.io\n`],
    ['a guest on trove-mgmt1 only', ['198.18.10.6'], base, `${base}198.18.10.5   proxy.polex.io\n`],
    ['a guest on trove-mgmt3 and trove-mgmt1: the first address wins', ['198.18.12.200', '198.18.10.9'], base, `${base}198.18.12.5   proxy.polex.io\n`],
    ['a guest on no trove-mgmt network', ['198.18.20.41'], base, base],
    ['the name already there: not written twice', ['198.18.11.37'], `${base}198.18.11.5   proxy.polex.io\n`, `${base}198.18.11.5   proxy.polex.io\n`],
  ];
  for (const [what, addresses, hosts, expected] of cases) {
    it(`${what}: same /etc/hosts as the lab's script`, () => {
      const mine = runBootcmd(ours(), addresses, hosts);
      const lab = runBootcmd(mysqlCloudinit(), addresses, hosts);
      assert.equal(mine.code, 0, mine.output);
      assert.equal(mine.hosts, expected);
      assert.equal(lab.hosts, expected, 'the lab script agrees');
    });
  }


  it('is a cloud-config document (Trove appends its own) whose only key is the bootcmd', () => {
    const text = ours();
    assert.match(text, /^#cloud-config\n/);
    assert.deepEqual(Object.keys(parse(text) as object), ['bootcmd']);
  });
});
