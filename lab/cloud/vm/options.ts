// `vmDriverOptions` of the lab cloud config for `vmDriver: namespace`,
// validated here (the cloud's config.ts passes them through unchanged; see
// vm-loader.ts). Example (the lab):
//   vmDriver: namespace
//   vmDriverOptions:
//     switchNamespace: lab-sw
//     namespacePrefix: vm-
//     dir: /var/lib/trove-ha-lab/vms
//     bridges: {}            # network name or id → bridge, over the defaults
//     roles: {proxy: {etc: [haproxy], programs: [{name: haproxy, command: …}]}}
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { HostNamespaces } from './netns.ts';

/** Roles the driver itself knows (namespace-driver.ts); a configured role may not reuse their names. */
export const BUILTIN_ROLES = ['database', 'node'] as const;
/**
 * /etc entries the driver writes itself for every VM (hosts, hostname,
 * resolv.conf, supervisor/, ssh/): a role's `etc` copy-up of them would be
 * replaced or would leak the host's. netns is the host's namespace table.
 */
export const DRIVER_ETC_ENTRIES = ['hosts', 'hostname', 'resolv.conf', 'supervisor', 'ssh', 'netns'] as const;

// One supervisord value: a newline would end the ini line and start another key.
const oneLine = z.string().min(1).regex(/^[^\n\r]*$/, 'one line');
const absolute = oneLine.refine((p) => p.startsWith('/'), 'an absolute path (VMs run with directory=/)');
const etcEntry = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, 'an /etc entry name (no slash)')
  .refine((e) => e !== '.' && e !== '..', 'an /etc entry name, not . or ..');

/**
 * A supervisord program of a configured role. `{hostname}` (the VM's
 * hostname) and `{eth0}` (eth0's first IPv4 address, no prefix length) are
 * substituted in command, directory and log: VMs share the host's files
 * outside their own /etc entries, so pid files, sockets and logs need per-VM
 * paths.
 */
export const roleProgramSchema = z
  .object({
    /** supervisord program name and /etc/supervisor/conf.d/<name>.conf. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, . _ -'),
    command: oneLine,
    /** false: configured but STOPPED until someone starts it (e.g. once provisioning pushed its config). */
    autostart: z.boolean().default(true),
    autorestart: z.union([z.boolean(), z.literal('unexpected')]).default(true),
    stopSignal: z.enum(['TERM', 'HUP', 'INT', 'QUIT', 'KILL', 'USR1', 'USR2']).optional(),
    stopWaitSecs: z.number().int().min(0).optional(),
    directory: absolute.optional(),
    /** stdout+stderr file; its directory is created at boot. Default: <vm dir>/log/<name>.log. */
    log: absolute.optional(),
  })
  .strict();

export const roleSchema = z
  .object({
    programs: z.array(roleProgramSchema).default([]),
    /** /etc entries the VM gets its own copy of (copy-up of the host's, or empty) before any VM process starts. */
    etc: z.array(etcEntry).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    const names = r.programs.map((p) => p.name);
    for (const [i, n] of names.entries()) if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['programs', i, 'name'], message: `program ${n} is listed twice` });
    for (const [i, e] of r.etc.entries()) {
      if ((DRIVER_ETC_ENTRIES as readonly string[]).includes(e)) ctx.addIssue({ code: 'custom', path: ['etc', i], message: `/etc/${e} is written by the driver for every VM (${DRIVER_ETC_ENTRIES.join(', ')})` });
    }
  });

export type RoleProgram = z.infer<typeof roleProgramSchema>;
export type RoleSpec = z.infer<typeof roleSchema>;

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
    /** Role of an image without the trove_role property: database, node or a configured role. */
    defaultRole: z.string().min(1).default('node'),
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
    /** Image property trove_role → role: supervisord + sshd (like node) plus these programs and /etc entries. */
    roles: z.record(z.string(), roleSchema).default({}),
  })
  .strict()
  .superRefine((o, ctx) => {
    for (const name of Object.keys(o.roles)) {
      // Checked here, not as the record's key schema: zod only says "Invalid key in record".
      if (!/^[a-z][a-z0-9_-]*$/.test(name)) ctx.addIssue({ code: 'custom', path: ['roles', name], message: 'a role name: lowercase letters, digits, _ and -, starting with a letter' });
      if ((BUILTIN_ROLES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', path: ['roles', name], message: `${name} is a built-in role; pick another name` });
    }
    const known = [...BUILTIN_ROLES, ...Object.keys(o.roles)];
    if (!known.includes(o.defaultRole)) ctx.addIssue({ code: 'custom', path: ['defaultRole'], message: `${o.defaultRole} is not a role: ${known.join(', ')}` });
  });

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
