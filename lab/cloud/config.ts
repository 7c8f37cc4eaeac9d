// The lab cloud's configuration file (YAML or JSON), validated with zod so a
// mistake names its field. Addresses are limited to loopback and the lab's
// 198.18.0.0/15: the lab cloud must never answer on a real network.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const labAddress = z
  .string()
  .refine((a) => /^127\.\d+\.\d+\.\d+$/.test(a) || /^198\.(18|19)\.\d+\.\d+$/.test(a) || a === 'localhost', 'must be a loopback or 198.18.0.0/15 address');
const port = z.number().int().min(1).max(65535);

export const configSchema = z.object({
  /** Listen address of all four APIs. */
  host: labAddress,
  /** Host name or address in links and version documents (defaults to host). */
  publicHost: z.string().optional(),
  ports: z.object({ compute: port, network: port, image: port, volume: port }),
  stateDir: z.string().min(1),
  /** Request log (default <stateDir>/lab-cloud-requests.log). */
  logFile: z.string().optional(),
  region: z.string().default('RegionOne'),
  /** Keep uploaded image bytes (true) or only their size and hashes. */
  keepImageData: z.boolean().default(true),
  /** Name of the "hypervisor" host servers report. */
  computeHost: z.string().default('lab-cloud'),
  // YAML reads a bare `null` as null: take it as the null driver's name.
  /**
   * Which VM driver makes the servers' machines: "null" (nothing boots, servers go
   * ACTIVE at once) or the name of a module lab/cloud/vm/<name>-driver.ts that
   * exports `createVmDriver(options, config)` (see vm-loader.ts). Switching the
   * lab to real namespace micro-VMs is then a config change: vmDriver: namespace.
   */
  vmDriver: z.preprocess((v) => (v === null ? 'null' : v), z.string().regex(/^[a-z][a-z0-9-]*$/, 'a driver name such as null or namespace').default('null')),
  /** Passed unchanged to the driver's createVmDriver (bridges, state dir, ...). */
  vmDriverOptions: z.record(z.string(), z.unknown()).default({}),
  keystone: z
    .object({
      authUrl: z.string().url(),
      username: z.string(),
      password: z.string().optional(),
      /** File holding the password (preferred: keeps it out of the config). */
      passwordFile: z.string().optional(),
      projectName: z.string().default('service'),
      userDomainName: z.string().default('Default'),
      projectDomainName: z.string().default('Default'),
      cacheSeconds: z.number().int().min(0).default(120),
    })
    .refine((k) => k.password !== undefined || k.passwordFile !== undefined, 'keystone needs password or passwordFile'),
});

export type LabCloudConfig = z.infer<typeof configSchema>;

export function loadConfig(file: string): LabCloudConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read lab cloud config: ${(e as Error).message}`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${file}: invalid lab cloud config:\n${lines.join('\n')}`);
  }
  const c = result.data;
  const rel = (p: string) => (isAbsolute(p) ? p : join(dirname(file), p));
  c.stateDir = rel(c.stateDir);
  if (c.logFile) c.logFile = rel(c.logFile);
  if (c.keystone.passwordFile) c.keystone.passwordFile = rel(c.keystone.passwordFile);
  return c;
}

export function keystonePassword(c: LabCloudConfig): string {
  return c.keystone.password ?? readFileSync(c.keystone.passwordFile!, 'utf8').trim();
}
