// systemd: systemctl for actions, `systemctl show` (stable key=value output,
// meant for programs) for the state and main pid.
import { shellQuote } from '../../remote/shell-quote.ts';
import { excerpt, ServiceStatusError, type CommandOutput, type ServiceDriver, type ServiceInstanceRef, type ServiceStatus, type Signal } from '../service-driver.ts';

export class SystemdDriver implements ServiceDriver {
  readonly name = 'systemd' as const;

  constructor(private readonly systemctl = 'systemctl') {}

  start(i: ServiceInstanceRef): string {
    return `${this.systemctl} start ${shellQuote(i.unit)}`;
  }

  stop(i: ServiceInstanceRef): string {
    return `${this.systemctl} stop ${shellQuote(i.unit)}`;
  }

  restart(i: ServiceInstanceRef): string {
    return `${this.systemctl} restart ${shellQuote(i.unit)}`;
  }

  kill(i: ServiceInstanceRef, signal: Signal): string {
    // Main process only, like the other drivers; systemd then applies the unit's Restart= policy.
    // --kill-who is the spelling every systemd accepts (252 added the alias --kill-whom).
    // `systemctl kill` succeeds on a stopped unit, so check first that it runs.
    const unit = shellQuote(i.unit);
    return `${this.systemctl} is-active --quiet ${unit} || { echo ${shellQuote(`${i.unit} is not active`)} >&2; exit 3; }; ${this.systemctl} kill --kill-who=main --signal=${signal} ${unit}`;
  }

  status(i: ServiceInstanceRef): string {
    return `${this.systemctl} show -p LoadState -p ActiveState -p SubState -p MainPID ${shellQuote(i.unit)}`;
  }

  parseStatus(i: ServiceInstanceRef, output: CommandOutput): ServiceStatus {
    return parseSystemctlShow(i.unit, output);
  }
}

/** Reads `systemctl show -p LoadState -p ActiveState -p SubState -p MainPID` (any order). */
export function parseSystemctlShow(unit: string, output: CommandOutput): ServiceStatus {
  const properties = new Map<string, string>();
  for (const line of output.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) properties.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const load = properties.get('LoadState');
  const active = properties.get('ActiveState');
  if (output.code !== 0 || !load || !active) throw new ServiceStatusError(`systemctl show gave no state for ${unit}: ${excerpt(output)}`);
  if (load === 'not-found') throw new ServiceStatusError(`systemd has no unit ${unit} (LoadState=not-found)`);
  const sub = properties.get('SubState') ?? '?';
  // "reloading" still serves; "activating" and "deactivating" do not yet / any more.
  const running = active === 'active' || active === 'reloading';
  const pid = Number(properties.get('MainPID') ?? '0');
  return { running, mainPid: running && pid > 0 ? pid : null, state: `${active}/${sub}` };
}
