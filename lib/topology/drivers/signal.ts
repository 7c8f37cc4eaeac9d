// For a process no supervisor manages: its pid comes from the instance's
// pidFile, or else from the oldest process with exactly the unit's name.
// It can only signal: stop is TERM (no wait), start and restart are refused,
// since nothing here knows how to launch the process.
import { excerpt, ServiceStatusError, UnsupportedOperationError, type CommandOutput, type ServiceDriver, type ServiceInstanceRef, type ServiceStatus, type Signal } from '../service-driver.ts';
import { killPid, oldestProcessNamed, readPidFile } from './pid-commands.ts';

export class SignalDriver implements ServiceDriver {
  readonly name = 'signal' as const;

  start(i: ServiceInstanceRef): string {
    throw new UnsupportedOperationError(`the signal driver cannot start ${i.unit} on ${i.node}: it only signals a running process; use the systemd or supervisor driver for this service, or let what spawned it restart it`);
  }

  stop(i: ServiceInstanceRef): string {
    return this.kill(i, 'TERM');
  }

  restart(i: ServiceInstanceRef): string {
    throw new UnsupportedOperationError(`the signal driver cannot restart ${i.unit} on ${i.node}: it cannot start processes (see start)`);
  }

  kill(i: ServiceInstanceRef, signal: Signal): string {
    return killPid(pidSource(i), describe(i), signal);
  }

  status(i: ServiceInstanceRef): string {
    // kill -0 proves the pid is alive (a pid file may outlive its process).
    return `pid=$(${pidSource(i)}); if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "running $pid"; else echo stopped; fi`;
  }

  parseStatus(i: ServiceInstanceRef, output: CommandOutput): ServiceStatus {
    return parseSignalStatus(describe(i), output);
  }
}

function pidSource(i: ServiceInstanceRef): string {
  return i.pidFile ? readPidFile(i.pidFile) : oldestProcessNamed(i.unit);
}

function describe(i: ServiceInstanceRef): string {
  return i.pidFile ? `${i.unit} (pid file ${i.pidFile})` : `process ${i.unit}`;
}

/** Reads the status command's `running <pid>` or `stopped`. */
export function parseSignalStatus(what: string, output: CommandOutput): ServiceStatus {
  const text = output.stdout.trim();
  const running = /^running (\d+)$/.exec(text);
  if (running) return { running: true, mainPid: Number(running[1]), state: 'running' };
  if (text === 'stopped') return { running: false, mainPid: null, state: 'stopped' };
  throw new ServiceStatusError(`unexpected status output for ${what}: ${excerpt(output)}`);
}

