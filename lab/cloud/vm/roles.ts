// What a micro-VM runs, by role (image property trove_role): `database` (the
// guest agent), `node` (supervisord + sshd only) and the roles configured in
// vmDriverOptions.roles (options.ts): supervisord + sshd plus their programs,
// and their own copies of some /etc entries. Pure, except programConfig's
// paths: namespace-driver.ts writes the files.
import { join } from 'node:path';
import type { ImageRecord } from '../model.ts';
import { BUILTIN_ROLES, type RoleProgram, type RoleSpec } from './options.ts';
import type { VmLayout } from './vm-files.ts';

/** database, node, or the name of a configured role. */
export type VmRole = string;

/** A supervisord program as written and recorded in vm.json (placeholders expanded). */
export interface VmProgram {
  name: string;
  command: string;
  directory?: string;
  autostart?: boolean;
  autorestart?: boolean | 'unexpected';
  stopSignal?: string;
  stopWaitSecs?: number;
  /** stdout+stderr; default <vm dir>/log/<name>.log. */
  log?: string;
}

export function roleOf(image: ImageRecord | undefined, fallback: VmRole, roles: Record<string, RoleSpec> = {}): VmRole {
  const r = image?.properties.trove_role;
  if (r === undefined || r === '') return fallback;
  if ((BUILTIN_ROLES as readonly string[]).includes(r) || Object.hasOwn(roles, r)) return r;
  const configured = Object.keys(roles);
  const known = configured.length ? `database, node and the roles configured in vmDriverOptions.roles: ${configured.join(', ')}` : 'database and node (vmDriverOptions.roles configures no other)';
  throw new Error(`image ${image!.base.id} has trove_role=${r}; the lab knows ${known}`);
}

/** The first IPv4 address (no prefix length) of a leg's `a.b.c.d/len` list. */
export function firstIpv4(addresses: readonly string[]): string | undefined {
  return addresses.map((a) => a.split('/')[0]!).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
}

export interface Placeholders {
  hostname: string;
  /** eth0's first IPv4 address; undefined when the VM has none. */
  eth0: string | undefined;
}

/**
 * `{hostname}` and `{eth0}` substituted in command, directory and log. Other
 * braces stay as they are (shell and awk use them). A program that needs
 * {eth0} on a VM without an IPv4 address on eth0 cannot run right: the boot
 * fails saying so.
 */
export function expandProgram(role: string, p: RoleProgram, v: Placeholders): VmProgram {
  const sub = (field: string, s: string): string => {
    if (s.includes('{eth0}') && v.eth0 === undefined) throw new Error(`role ${role}, program ${p.name}: its ${field} uses {eth0}, but this VM has no IPv4 address on eth0`);
    return s.replaceAll('{hostname}', v.hostname).replaceAll('{eth0}', v.eth0 ?? '');
  };
  return {
    name: p.name,
    command: sub('command', p.command),
    ...(p.directory ? { directory: sub('directory', p.directory) } : {}),
    autostart: p.autostart,
    autorestart: p.autorestart,
    ...(p.stopSignal ? { stopSignal: p.stopSignal } : {}),
    ...(p.stopWaitSecs !== undefined ? { stopWaitSecs: p.stopWaitSecs } : {}),
    ...(p.log ? { log: sub('log', p.log) } : {}),
  };
}

/** Supervisor expands %(...)s in values; a literal % must be doubled. */
const esc = (s: string): string => s.replace(/%/g, '%%');

export function programLog(l: Pick<VmLayout, 'log'>, p: VmProgram): string {
  return p.log ?? join(l.log, `${p.name}.log`);
}

/**
 * /etc/supervisor/conf.d/<name>.conf. The defaults (autostart, autorestart
 * unexpected, stopwaitsecs 30, TERM) are the database role's guest agent's;
 * a configured role's program always carries its own values (options.ts
 * defaults: autostart true, autorestart true).
 */
export function programConfig(l: Pick<VmLayout, 'log'>, p: VmProgram): string {
  const restart = p.autorestart ?? 'unexpected';
  return [
    '; written by the lab cloud namespace driver',
    `[program:${p.name}]`,
    `command=${esc(p.command)}`,
    ...(p.directory ? [`directory=${esc(p.directory)}`] : []),
    `autostart=${p.autostart === false ? 'false' : 'true'}`,
    `autorestart=${restart === 'unexpected' ? 'unexpected' : restart ? 'true' : 'false'}`,
    'startsecs=1',
    'startretries=3',
    ...(p.stopSignal ? [`stopsignal=${p.stopSignal}`] : []),
    `stopwaitsecs=${p.stopWaitSecs ?? 30}`,
    'killasgroup=true',
    'redirect_stderr=true',
    `stdout_logfile=${esc(programLog(l, p))}`,
    'stdout_logfile_maxbytes=50MB',
    'stdout_logfile_backups=2',
    '',
  ].join('\n');
}
