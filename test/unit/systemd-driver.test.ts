import assert from 'node:assert/strict';
import { SystemdDriver, parseSystemctlShow } from '../../lib/topology/drivers/systemd.ts';
import { ServiceStatusError } from '../../lib/topology/service-driver.ts';

// `systemctl show -p ...` prints Key=Value lines in systemd's property order
// (Service properties before Unit ones), not in the order asked. This machine
// has no running systemd, so these follow the documented format of systemd 252
// rather than a capture; the parser is order-independent either way.
const RUNNING = { code: 0, stdout: 'MainPID=1234\nLoadState=loaded\nActiveState=active\nSubState=running\n', stderr: '' };
const STOPPED = { code: 0, stdout: 'MainPID=0\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n', stderr: '' };
const FAILED = { code: 0, stdout: 'MainPID=0\nLoadState=loaded\nActiveState=failed\nSubState=failed\n', stderr: '' };
const NOT_FOUND = { code: 0, stdout: 'MainPID=0\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n', stderr: '' };
const NO_BUS = { code: 1, stdout: '', stderr: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\n' };

describe('systemd driver', () => {
  const driver = new SystemdDriver();
  const unit = { node: 'ctl1', unit: 'mariadb.service' };

  it('builds systemctl commands', () => {
    assert.equal(driver.start(unit), 'systemctl start mariadb.service');
    assert.equal(driver.stop(unit), 'systemctl stop mariadb.service');
    assert.equal(driver.restart(unit), 'systemctl restart mariadb.service');
    assert.equal(driver.status(unit), 'systemctl show -p LoadState -p ActiveState -p SubState -p MainPID mariadb.service');
  });

  it('kills only the main process, and only of an active unit', () => {
    assert.equal(
      driver.kill(unit, 'STOP'),
      `systemctl is-active --quiet mariadb.service || { echo 'mariadb.service is not active' >&2; exit 3; }; systemctl kill --kill-who=main --signal=STOP mariadb.service`,
    );
  });

  it('reads running with the main pid, and stopped or failed without one', () => {
    assert.deepEqual(parseSystemctlShow('x', RUNNING), { running: true, mainPid: 1234, state: 'active/running' });
    assert.deepEqual(parseSystemctlShow('x', STOPPED), { running: false, mainPid: null, state: 'inactive/dead' });
    assert.deepEqual(parseSystemctlShow('x', FAILED), { running: false, mainPid: null, state: 'failed/failed' });
  });

  it('refuses to call a missing unit or an unreachable systemd "stopped"', () => {
    assert.throws(() => parseSystemctlShow('nope.service', NOT_FOUND), (e: unknown) => e instanceof ServiceStatusError && e.message === 'systemd has no unit nope.service (LoadState=not-found)');
    assert.throws(() => parseSystemctlShow('x', NO_BUS), /systemctl show gave no state for x: System has not been booted .* \(exit code 1\)/s);
  });

  it('builds commands a shell accepts', async () => {
    const { execFileSync } = await import('node:child_process');
    for (const command of [driver.kill(unit, 'KILL'), driver.status(unit)]) execFileSync('sh', ['-n', '-c', command]);
  });
});
