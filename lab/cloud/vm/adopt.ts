// A micro-VM's record on disk (<vm dir>/vm.json) and what runs of it, so a
// restarted lab cloud re-adopts running VMs from their pid files instead of
// rebuilding them: the driver keeps no state in memory at all.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readPidFile } from '../../procs.ts';
import type { VmPower } from '../vm-driver.ts';
import type { VmProgram, VmRole } from './roles.ts';
import { vmLayout, type VmLayout } from './vm-files.ts';

export type VmPhase = 'building' | 'init' | 'running' | 'stopped' | 'error';

export interface VmLeg {
  network: string;
  bridge: string;
  switchIf: string;
  ifname: string;
  mac: string | null;
  addresses: string[];
}

export interface VmManifest {
  version: 1;
  serverId: string;
  ns: string;
  hostname: string;
  role: VmRole;
  switchNs: string;
  legs: VmLeg[];
  routes: { destination: string; via?: string; dev?: string }[];
  phase: VmPhase;
  /** Why phase is error. */
  error?: string;
  /** What supervisord runs in the VM (database role: the guest agent; a configured role: its programs, placeholders expanded). */
  programs: VmProgram[];
  /** Database role before lab/guest exists: the command that would run. */
  wouldRun?: string;
  sshd: boolean;
  warnings: string[];
  created: string;
  /** Milliseconds from boot() to running. */
  bootMs?: number;
}

export const pidFiles = (l: VmLayout) => ({
  supervisord: join(l.run, 'supervisord.pid'),
  sshd: join(l.run, 'sshd.pid'),
  init: join(l.run, 'init.pid'),
});
export const initStatusFile = (l: VmLayout) => join(l.run, 'init.status');
export const supervisorSocket = (l: VmLayout) => join(l.run, 'supervisor.sock');

export function readManifest(l: VmLayout): VmManifest | undefined {
  if (!existsSync(l.manifest)) return undefined;
  try {
    const m = JSON.parse(readFileSync(l.manifest, 'utf8')) as VmManifest;
    return m.version === 1 && m.serverId === l.serverId ? m : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifest(l: VmLayout, m: VmManifest): void {
  const tmp = `${l.manifest}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(tmp, l.manifest);
}

export interface VmPids {
  supervisord?: number;
  sshd?: number;
  init?: number;
}

/** Live pids from the VM's pid files. */
export function livePids(l: VmLayout): VmPids {
  const f = pidFiles(l);
  const out: VmPids = {};
  for (const k of ['supervisord', 'sshd', 'init'] as const) {
    const pid = readPidFile(f[k]);
    if (isAlive(pid)) out[k] = pid;
  }
  return out;
}

/**
 * The power state from the record and the pid files. A VM is running while
 * its supervisord (its "init") lives; one that died on its own counts as
 * stopped, like a crashed guest Nova's power sync finds shut off.
 */
export function powerOf(m: VmManifest | undefined, pids: VmPids, namespacePresent: boolean): VmPower {
  if (!m || !namespacePresent) return 'absent';
  switch (m.phase) {
    case 'error':
      return 'error';
    case 'stopped':
      return 'stopped';
    case 'building':
    case 'init':
      // Interrupted mid-boot: still booting if its init runs, otherwise broken.
      return pids.init ? 'running' : 'error';
    case 'running':
      return pids.supervisord ? 'running' : 'stopped';
  }
}

/** Server ids with a VM directory under vmsDir. */
export function vmIdsOnDisk(vmsDir: string): string[] {
  if (!existsSync(vmsDir)) return [];
  return readdirSync(vmsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9a-f-]{36}$/.test(d.name))
    .map((d) => d.name);
}

export interface AdoptReport {
  adopted: { id: string; phase: VmPhase; pids: VmPids }[];
  /** VMs on disk whose server the lab cloud no longer knows (left alone; a lab teardown removes them). */
  orphans: string[];
}

/** What a (re)started lab cloud finds on disk. */
export function adoptAll(vmsDir: string, nsPrefix: string, knownServerIds: string[]): AdoptReport {
  const known = new Set(knownServerIds);
  const report: AdoptReport = { adopted: [], orphans: [] };
  for (const id of vmIdsOnDisk(vmsDir)) {
    const l = vmLayout(vmsDir, nsPrefix, id);
    if (!known.has(id)) {
      report.orphans.push(id);
      continue;
    }
    const m = readManifest(l);
    if (m) report.adopted.push({ id, phase: m.phase, pids: livePids(l) });
  }
  return report;
}
