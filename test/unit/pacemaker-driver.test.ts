import assert from 'node:assert/strict';
import { PacemakerDriver, parseCrmResourceLocate } from '../../lib/topology/drivers/pacemaker.ts';
import { ServiceStatusError, UnsupportedOperationError } from '../../lib/topology/service-driver.ts';

// crm_resource --locate output as pacemaker 2.1 prints it (no pacemaker here to
// capture from): one "is running on" line per node, "Promoted"/"Master" for a
// promoted clone instance, "is NOT running" when it runs nowhere.
const out = (stdout: string, code = 0, stderr = '') => ({ code, stdout, stderr });

describe('pacemaker driver', () => {
  const driver = new PacemakerDriver();
  const galera = { node: 'ctl2', unit: 'galera-clone' };

  it('bans and clears the resource on the node, restarts it there', () => {
    assert.equal(driver.stop(galera), 'pcs resource ban galera-clone ctl2');
    assert.equal(driver.start(galera), 'pcs resource clear galera-clone ctl2');
    assert.equal(driver.restart(galera), 'pcs resource restart galera-clone ctl2');
    assert.equal(driver.status(galera), 'crm_resource --resource galera-clone --locate');
  });

  it('kills through a pid file only', () => {
    assert.throws(() => driver.kill(galera, 'KILL'), UnsupportedOperationError);
    assert.match(driver.kill({ ...galera, pidFile: '/run/mysqld/mysqld.pid' }, 'KILL'), /^pid=\$\(head -n 1 \/run\/mysqld\/mysqld\.pid .*kill -s KILL "\$pid"$/);
  });

  it('reads where the resource runs', () => {
    const located = out('resource galera-clone is running on: ctl1\nresource galera-clone is running on: ctl2 Promoted\n');
    assert.deepEqual(parseCrmResourceLocate('galera-clone', 'ctl2', located), { running: true, mainPid: null, state: 'running (Promoted)' });
    assert.deepEqual(parseCrmResourceLocate('galera-clone', 'ctl1', located), { running: true, mainPid: null, state: 'running' });
    assert.deepEqual(parseCrmResourceLocate('galera-clone', 'ctl3', located), { running: false, mainPid: null, state: 'not on ctl3 (running on ctl1, ctl2)' });
    assert.deepEqual(parseCrmResourceLocate('vip', 'ctl1', out('', 0, 'resource vip is NOT running\n')), { running: false, mainPid: null, state: 'stopped' });
  });

  it('refuses an unknown resource and unreadable output', () => {
    assert.throws(() => parseCrmResourceLocate('nope', 'ctl1', out('', 105, "crm_resource: Resource 'nope' not found\n")), (e: unknown) => e instanceof ServiceStatusError && e.message === 'pacemaker has no resource nope');
    assert.throws(() => parseCrmResourceLocate('x', 'ctl1', out('', 102, 'Could not connect to the CIB: Transport endpoint is not connected\n')), /cannot read crm_resource --locate for x: Could not connect/);
  });
});
