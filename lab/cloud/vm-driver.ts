// Where a server's machine comes from. The lab cloud keeps Nova's bookkeeping;
// a driver makes (or pretends to make) the machine. NullVmDriver runs nothing
// and reports ACTIVE at once; the namespace micro-VM driver (vm/, config
// `vmDriver: namespace`) makes a netns per server plugged into its ports'
// bridges and runs its user_data inside.
import type { ImageRecord, NeutronResource, ServerRecord } from './model.ts';

export type VmPower = 'running' | 'stopped' | 'absent' | 'error';

export interface VmPortInfo {
  port: NeutronResource;
  network: NeutronResource;
  /** Subnets of the port's fixed IPs (cidr, gateway, routes, DNS). */
  subnets: NeutronResource[];
}

/**
 * Why a server has no console output to show, as Nova tells it:
 * not-ready → 409 (InstanceNotReady: no machine yet for a server in BUILD),
 * unavailable → 404 (ConsoleNotAvailable / InstanceNotFound: no machine),
 * unsupported → 501 (the driver has no consoles at all).
 */
export class ConsoleUnavailable extends Error {
  constructor(
    readonly reason: 'not-ready' | 'unavailable' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

export interface VmDriver {
  readonly name: string;
  /** Start the machine; resolve when it runs (→ ACTIVE), reject to put the server in ERROR. */
  boot(server: ServerRecord, ports: VmPortInfo[], userData: Buffer | null, image: ImageRecord | undefined): Promise<void>;
  /** Stop and remove the machine; must succeed when it is already gone. */
  destroy(server: ServerRecord): Promise<void>;
  /** What runs now (after a lab-cloud restart the store says ACTIVE; the driver knows). */
  status(server: ServerRecord): Promise<VmPower>;
  start(server: ServerRecord): Promise<void>;
  stop(server: ServerRecord): Promise<void>;
  reboot(server: ServerRecord, hard: boolean): Promise<void>;
  /**
   * The machine's console log as a hypervisor keeps it (raw bytes, at most the
   * last 100 KiB as Nova's libvirt driver returns); the compute API tails and
   * cleans it. Throws ConsoleUnavailable when there is none.
   */
  consoleOutput(server: ServerRecord): Promise<Buffer>;
  /** At start-up, before servers are resumed: what the driver finds of earlier runs (log lines). */
  adopt?(serverIds: string[]): Promise<string[]>;
}

export class NullVmDriver implements VmDriver {
  readonly name = 'null';
  private readonly stopped = new Set<string>();

  async boot(server: ServerRecord): Promise<void> {
    this.stopped.delete(server.id);
  }

  async destroy(server: ServerRecord): Promise<void> {
    this.stopped.delete(server.id);
  }

  async status(server: ServerRecord): Promise<VmPower> {
    return this.stopped.has(server.id) || server.status === 'SHUTOFF' ? 'stopped' : 'running';
  }

  async start(server: ServerRecord): Promise<void> {
    this.stopped.delete(server.id);
  }

  async stop(server: ServerRecord): Promise<void> {
    this.stopped.add(server.id);
  }

  async reboot(server: ServerRecord): Promise<void> {
    this.stopped.delete(server.id);
  }

  /** Nothing runs, so nothing ever printed: Nova answers a driver without consoles with 501. */
  async consoleOutput(): Promise<Buffer> {
    throw new ConsoleUnavailable('unsupported', 'The requested functionality is not supported: the lab cloud\'s null VM driver runs no machine, so servers have no console output (vmDriver: namespace has one).');
  }
}
