// `vmDriverOptions` of the lab cloud config for `vmDriver: namespace`,
// validated here (the cloud's config.ts passes them through unchanged; see
// vm-loader.ts). Example (the lab):
//   vmDriver: namespace
//   vmDriverOptions:
//     switchNamespace: lab-sw
//     namespacePrefix: vm-
//     dir: /var/lib/trove-ha-lab/vms
//     bridges: {}            # network name or id → bridge, over the defaults
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { HostNamespaces } from './netns.ts';

export const namespaceOptionsSchema = z
  .object({
    /** Namespace holding the bridges VMs plug into. */
    switchNamespace: z.string().min(1).default('lab-sw'),
    /** A VM's namespace is <prefix><server id>. */
    namespacePrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,15}$/, 'lowercase letters, digits and dashes, at most 16').default('vm-'),
    /** Per-VM directories <dir>/<server id> (manifest, rewritten files, logs, pid files); relative = under stateDir. */
    dir: z.string().min(1).default('/var/lib/trove-ha-lab/vms'),
    /** Network name (or id) → bridge, over trove-mgmtN → br-mgmtN, tenant → br-tenant, admin / admin-mgmt → br-admin. */
    bridges: z.record(z.string(), z.string().min(1).max(15)).default({}),
    /** Role of an image without the trove_role property. */
    defaultRole: z.enum(['database', 'node']).default('node'),
    /** Database role: the guest agent's command (default: node --import tsx lab/guest/main.ts --config-dir /etc/trove/conf.d). */
    guestCommand: z.string().min(1).optional(),
    /** Its working directory (default: the repository). */
    guestDirectory: z.string().min(1).optional(),
    /** /etc entries created empty on the host (never removed) so VMs can have their own: see vm-files.ts. */
    etcMountPoints: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/)).default(['trove']),
    /** Split Trove's "#! script + appended #cloud-config" user_data in two (real cloud-init runs it as one script). */
    splitAppendedCloudConfig: z.boolean().default(true),
    /** Bound on each init stage (user_data scripts); past it the scripts are killed and the VM boots on. */
    initTimeoutSeconds: z.number().int().min(1).default(300),
    /** auto: enter PID 1's mount+net namespaces when the lab cloud runs inside a node namespace; pid:<n>: those of process n. */
    hostNamespaces: z
      .union([z.enum(['auto', 'self', 'pid1']), z.string().regex(/^pid:[1-9]\d*$/, 'auto, self, pid1 or pid:<n>')])
      .default('auto')
      .transform((v) => v as HostNamespaces),
  })
  .strict();

export type NamespaceOptions = z.infer<typeof namespaceOptionsSchema>;

export function parseNamespaceOptions(raw: unknown, stateDir: string): NamespaceOptions {
  const r = namespaceOptionsSchema.safeParse(raw ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  vmDriverOptions.${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid lab cloud config for vmDriver namespace:\n${lines.join('\n')}`);
  }
  const o = r.data;
  if (!isAbsolute(o.dir)) o.dir = join(stateDir, o.dir);
  return o;
}
