// The built-in drivers, by the environment file's `driver` names.
import type { ControlDriver } from '../../env/schema.ts';
import type { ServiceDriver } from '../service-driver.ts';
import { PacemakerDriver } from './pacemaker.ts';
import { SignalDriver } from './signal.ts';
import { SupervisorDriver } from './supervisor.ts';
import { SystemdDriver } from './systemd.ts';

export { PacemakerDriver, SignalDriver, SupervisorDriver, SystemdDriver };

export function defaultDrivers(): Record<ControlDriver, ServiceDriver> {
  return {
    systemd: new SystemdDriver(),
    supervisor: new SupervisorDriver(),
    pacemaker: new PacemakerDriver(),
    signal: new SignalDriver(),
  };
}
