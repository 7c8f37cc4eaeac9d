// Debian's supervisor: `supervisorctl start|stop|restart|status|pid <program>`.
// supervisorctl prints everything, errors included, on stdout; see
// test/fixtures/supervisorctl/samples.json for real output.
import { shellQuote } from '../../remote/shell-quote.ts';
import { excerpt, ServiceStatusError, type CommandOutput, type ServiceDriver, type ServiceInstanceRef, type ServiceStatus, type Signal } from '../service-driver.ts';
import { killPid } from './pid-commands.ts';

const STATES = ['STOPPED', 'STARTING', 'RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL', 'UNKNOWN'];

export class SupervisorDriver implements ServiceDriver {
  readonly name = 'supervisor' as const;

  /** `supervisorctl` runs with the node's default config; pass e.g. `supervisorctl -c /etc/x.conf` otherwise. */
  constructor(private readonly supervisorctl = 'supervisorctl') {}

  // start of a running program and stop of a stopped one exit 0 ("ERROR (already started)"): both idempotent.
  start(i: ServiceInstanceRef): string {
    return `${this.supervisorctl} start ${shellQuote(i.unit)}`;
  }

  stop(i: ServiceInstanceRef): string {
    return `${this.supervisorctl} stop ${shellQuote(i.unit)}`;
  }

  restart(i: ServiceInstanceRef): string {
    return `${this.supervisorctl} restart ${shellQuote(i.unit)}`;
  }

  kill(i: ServiceInstanceRef, signal: Signal): string {
    // `supervisorctl pid` prints 0 for a stopped program and a message for an unknown one: killPid refuses both.
    return killPid(`${this.supervisorctl} pid ${shellQuote(i.unit)}`, `supervisor program ${i.unit}`, signal);
  }

  status(i: ServiceInstanceRef): string {
    return `${this.supervisorctl} status ${shellQuote(i.unit)}`;
  }

  parseStatus(i: ServiceInstanceRef, output: CommandOutput): ServiceStatus {
    return parseSupervisorStatus(i.unit, output);
  }
}

/**
 * Reads `supervisorctl status <program>`: `name  STATE  description`, e.g.
 * `web  RUNNING   pid 17537, uptime 0:00:03`. Exit 0 running, 3 not running,
 * 4 unknown program or supervisord unreachable.
 */
export function parseSupervisorStatus(program: string, output: CommandOutput): ServiceStatus {
  for (const line of output.stdout.split('\n')) {
    const [name, state, ...rest] = line.trim().split(/\s+/);
    if (name !== program || !state || !STATES.includes(state)) continue;
    const pid = /\bpid (\d+),/.exec(rest.join(' '));
    const running = state === 'RUNNING';
    return { running, mainPid: running && pid ? Number(pid[1]) : null, state };
  }
  if (/ERROR \(no such (process|group)\)/.test(output.stdout)) throw new ServiceStatusError(`supervisord has no program ${program}`);
  throw new ServiceStatusError(`no status line for program ${program} (is supervisord running?): ${excerpt(output)}`);
}
