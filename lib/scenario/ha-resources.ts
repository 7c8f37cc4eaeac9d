// Resources made before the fault scenarios of a run and checked after them
// (tobiko): written by suites/ha/00-resources.spec.ts into the run directory,
// read by every scenario (its instance-watch lane) and by the final check.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HaResources {
  /** Trove instances that must stay ACTIVE and heartbeating through every fault. */
  instances: Array<{ id: string; name: string; host: string; database: string; user: string; rowsBeforeFaults: number }>;
  createdAt: string;
}

const file = (runDir: string): string => join(runDir, 'ha-resources.json');

export function writeHaResources(runDir: string, r: HaResources): void {
  writeFileSync(file(runDir), `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
}

/** Undefined when this run made none (e.g. a --grep that skipped the setup spec). */
export function readHaResources(runDir: string): HaResources | undefined {
  return existsSync(file(runDir)) ? (JSON.parse(readFileSync(file(runDir), 'utf8')) as HaResources) : undefined;
}
