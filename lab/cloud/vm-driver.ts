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
}
