// The suites an operator can select with --suite, in the order a full run
// executes them (tobiko's order: sanity, resources, faults).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../env/errors.ts';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SuiteDef {
  name: string;
  description: string;
  /** Injects faults: refused unless the environment says `destructive: true`. */
  destructive: boolean;
}

export const SUITES: SuiteDef[] = [
  { name: 'sanity', description: 'site health before anything else: nodes, clusters, VIPs, APIs', destructive: false },
  { name: 'functional', description: "the documents' functional matrix", destructive: false },
  { name: 'ha', description: 'fault scenarios: kills, VIP failover, partitions, Galera node loss', destructive: true },
];

/** Runs after the selected suites in every run: fails the run on resources the run left behind. */
export const LEAK_AUDIT_SPEC = join(PROJECT_ROOT, 'suites', 'audit', 'leaks.spec.ts');

export function selectSuites(requested: string[]): SuiteDef[] {
  const names = requested.flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return SUITES;
  return names.map((n) => {
    const s = SUITES.find((x) => x.name === n);
    if (!s) throw new ConfigError(`--suite ${n}: no such suite; choose from ${[...SUITES.map((x) => x.name), 'all'].join(', ')}`);
    return s;
  });
}

/** Spec files of a suite: suites/<name>/**\/*.spec.ts, sorted for a stable order. */
export function specFiles(suite: SuiteDef, root = join(PROJECT_ROOT, 'suites')): string[] {
  const dir = join(root, suite.name);
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.spec.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The safety guard: fault suites never run against a site not marked destructive. */
export function refuseUnsafe(selected: SuiteDef[], env: { name: string; destructive: boolean }, file: string): void {
  const unsafe = selected.filter((s) => s.destructive);
  if (unsafe.length > 0 && !env.destructive) {
    throw new ConfigError(
      `${file}: destructive: environment "${env.name}" is not marked destructive, so the fault suite${unsafe.length > 1 ? 's' : ''} ${unsafe.map((s) => s.name).join(', ')} will not run against it. Set \`destructive: true\` only for a site that may be broken on purpose, or choose --suite sanity,functional.`,
    );
  }
}
