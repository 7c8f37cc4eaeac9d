// Picks the lab cloud's VM driver from its config (`vmDriver`). "null" is the
// built-in NullVmDriver; any other name loads lab/cloud/vm/<name>-driver.ts,
// which must export
//   createVmDriver(options: Record<string, unknown>, config: LabCloudConfig): VmDriver | Promise<VmDriver>
// (options = the config's `vmDriverOptions`). The lab's cloud step writes the
// config; it takes the driver name from TROVE_HA_LAB_VM_DRIVER (default namespace),
// so the namespace micro-VM driver is switched on without code changes here.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LabCloudConfig } from './config.ts';
import { NullVmDriver, type VmDriver } from './vm-driver.ts';

export function vmDriverModule(name: string): string {
  return fileURLToPath(new URL(`./vm/${name}-driver.ts`, import.meta.url));
}

export async function loadVmDriver(config: Pick<LabCloudConfig, 'vmDriver' | 'vmDriverOptions'>): Promise<VmDriver> {
  if (config.vmDriver === 'null') return new NullVmDriver();
  const file = vmDriverModule(config.vmDriver);
  if (!existsSync(file)) throw new Error(`lab cloud: vmDriver "${config.vmDriver}" needs ${file}, which does not exist`);
  const mod = (await import(file)) as { createVmDriver?: (options: Record<string, unknown>, config: unknown) => VmDriver | Promise<VmDriver> };
  if (typeof mod.createVmDriver !== 'function') throw new Error(`lab cloud: ${file} does not export createVmDriver(options, config)`);
  return mod.createVmDriver(config.vmDriverOptions, config);
}
