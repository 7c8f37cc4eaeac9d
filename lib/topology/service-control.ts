// Starts, stops, kills and inspects the service instances the environment
// file names, on their nodes, over the Remote executor: the one place that
// turns "stop galera on ctl2" into the right driver's command.
import type { ControlDriver, Environment } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import type { ExecOptions, RemoteExecutor } from '../remote/types.ts';
import { defaultDrivers } from './drivers/index.ts';
import { isSignal, SIGNALS, type ServiceDriver, type ServiceInstanceRef, type ServiceStatus, type Signal } from './service-driver.ts';

export type ServiceOperation = 'start' | 'stop' | 'restart' | 'kill' | 'status';

/** A service operation failed; `cause` holds the driver's or executor's error. */
export class ServiceControlError extends Error {
  constructor(
    readonly service: string,
    readonly node: string,
    readonly operation: ServiceOperation,
    override readonly cause: Error,
    what: string,
  ) {
    super(`cannot ${operation} service ${service} on ${node} (${what}): ${cause.message}`);
    this.name = 'ServiceControlError';
  }
}

export interface ServiceControlOptions {
  /** Replace built-in drivers, e.g. `{ supervisor: new SupervisorDriver('supervisorctl -c /etc/sv.conf') }`. */
  drivers?: Partial<Record<ControlDriver, ServiceDriver>>;
  /** Passed to every command (e.g. a longer timeoutMs for slow stops); default: the executor's. */
  exec?: Pick<ExecOptions, 'timeoutMs'>;
}

export class ServiceControl {
  private readonly drivers: Record<ControlDriver, ServiceDriver>;

  constructor(
    private readonly env: Environment,
    private readonly remote: RemoteExecutor,
    private readonly options: ServiceControlOptions = {},
  ) {
    this.drivers = { ...defaultDrivers(), ...options.drivers };
  }

  start(service: string, node: string): Promise<void> {
    return this.act(service, node, 'start', (d, i) => d.start(i));
  }

  stop(service: string, node: string): Promise<void> {
    return this.act(service, node, 'stop', (d, i) => d.stop(i));
  }

  restart(service: string, node: string): Promise<void> {
    return this.act(service, node, 'restart', (d, i) => d.restart(i));
  }

  /** Signals the main process; fails if the service does not run (the fault would not happen). */
  kill(service: string, node: string, signal: Signal = 'KILL'): Promise<void> {
    // Scenario files are data: check the signal here rather than trust the type.
    if (!isSignal(signal)) throw new ConfigError(`signal "${signal}" for service ${service} is not one of ${SIGNALS.join(', ')}`);
    return this.act(service, node, 'kill', (d, i) => d.kill(i, signal));
  }

  async status(service: string, node: string): Promise<ServiceStatus> {
    const { driver, instance } = this.resolve(service, node);
    return this.wrap(service, node, 'status', driver, instance, async () => {
      // A stopped service makes status commands exit non-zero; the parser decides.
      const result = await this.remote.exec(node, driver.status(instance), { ...this.options.exec, allowFail: true });
      return driver.parseStatus(instance, result);
    });
  }

  /** The main pid of a running instance, null when it is stopped or the driver cannot know it. */
  async mainPid(service: string, node: string): Promise<number | null> {
    return (await this.status(service, node)).mainPid;
  }

  /** The driver and instance for a service on a node, as the environment file defines them. */
  resolve(service: string, node: string): { driver: ServiceDriver; instance: ServiceInstanceRef } {
    const def = this.env.services[service];
    if (!def) throw new ConfigError(`no service "${service}" in the environment's services (have: ${Object.keys(this.env.services).join(', ') || 'none'})`);
    const instance = def.instances[node];
    if (!instance) throw new ConfigError(`service ${service} has no instance on node ${node} (services.${service}.instances has: ${Object.keys(def.instances).join(', ') || 'none'})`);
    return { driver: this.drivers[def.driver], instance: { node, unit: instance.unit, pidFile: instance.pidFile } };
  }

  private async act(service: string, node: string, operation: ServiceOperation, build: (d: ServiceDriver, i: ServiceInstanceRef) => string): Promise<void> {
    const { driver, instance } = this.resolve(service, node);
    await this.wrap(service, node, operation, driver, instance, () => this.remote.exec(node, build(driver, instance), this.options.exec));
  }

  private async wrap<T>(service: string, node: string, operation: ServiceOperation, driver: ServiceDriver, instance: ServiceInstanceRef, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new ServiceControlError(service, node, operation, error as Error, `${driver.name} ${instance.unit}`);
    }
  }
}
