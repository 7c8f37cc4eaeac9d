// A micro-VM's "cloud-init": bootcmd (boot stage), then write_files (from
// the lab cloud process, through vm-files.ts's path mapping), then the shell
// parts and runcmd (final stage) INSIDE the VM, as one detached runner whose
// output goes to <vm dir>/log/init.log and whose exit status lands in
// <vm dir>/run/init.status. Detached, so a lab-cloud restart does not cut a
// running init short; the restarted cloud finds it by its pid file.
import { appendFileSync, chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { startDetached } from '../../sh.ts';
import { isAlive, readPidFile } from '../../procs.ts';
import { initStatusFile, pidFiles } from './adopt.ts';
import { vmExecArgv, type Host } from './netns.ts';
import type { UserCommand, WriteFile } from './user-data.ts';
import { excludedFromCopyUp, mapGuestPath, type HostEtcKind, type MappedPath, type VmLayout } from './vm-files.ts';

export function initLog(l: VmLayout): string {
  return join(l.log, 'init.log');
}

export function logInit(l: VmLayout, line: string): void {
  mkdirSync(l.log, { recursive: true });
  appendFileSync(initLog(l), `[${new Date().toISOString()}] ${line}\n`);
}

export function hostEtcKind(entry: string, etcRoot = '/etc'): HostEtcKind {
  try {
    const st = lstatSync(join(etcRoot, entry));
    return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'absent';
  }
}

function ownerIds(owner: string, warn: (s: string) => void): { uid: number; gid: number } {
  const [user = 'root', group] = owner.split(':');
  const lookup = (argv: string[]): number | undefined => {
    try {
      const out = execFileSync(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
      const n = Number(argv[0] === 'getent' ? out.split(':')[2] : out);
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  };
  let uid = /^\d+$/.test(user) ? Number(user) : lookup(['id', '-u', user]);
  if (uid === undefined) {
    warn(`owner ${owner}: no user ${user} on this host; root used (cloud-init would fail this file's chown)`);
    uid = 0;
  }
  let gid = group === undefined ? (lookup(['id', '-g', user]) ?? 0) : /^\d+$/.test(group) ? Number(group) : lookup(['getent', 'group', group]);
  if (gid === undefined) {
    warn(`owner ${owner}: no group ${group} on this host; root used`);
    gid = 0;
  }
  return { uid, gid };
}

export interface WrittenFile extends MappedPath {
  bytes: number;
}

/** write_files: non-deferred first, then deferred (cloud-init's write_files / write_files_deferred). */
export function writeGuestFiles(l: VmLayout, files: WriteFile[], etcMountPoints: readonly string[]): WrittenFile[] {
  const written: WrittenFile[] = [];
  const ordered = [...files.filter((f) => !f.defer), ...files.filter((f) => f.defer)];
  for (const f of ordered) {
    const m = mapGuestPath(f.path, { layout: l, hostEtc: (e) => hostEtcKind(e), etcMountPoints });
    if (m.where === 'etc') prepareEtcEntry(l, m.entry!, etcMountPoints);
    mkdirSync(dirname(m.hostPath), { recursive: true });
    if (f.append) appendFileSync(m.hostPath, f.content);
    else writeFileSync(m.hostPath, f.content);
    chmodSync(m.hostPath, f.permissions);
    const { uid, gid } = ownerIds(f.owner, (w) => logInit(l, `write_files ${m.guestPath}: ${w}`));
    chownSync(m.hostPath, uid, gid);
    logInit(l, `write_files ${m.guestPath} -> ${m.hostPath} (${f.content.length} bytes, mode ${f.permissions.toString(8)}, owner ${uid}:${gid}${f.append ? ', appended' : ''})${m.note ? ` [${m.note}]` : ''}`);
    written.push({ ...m, bytes: f.content.length });
  }
  return written;
}

/**
 * Make /etc/netns/<ns>/<entry> exist before a file goes into it: for a
 * mount point entry (etcMountPoints, /etc/trove) an empty VM entry, and an
 * empty /etc/<entry> on the host if it lacks one (left in place: other VMs and
 * lab nodes may mount over it); otherwise a copy-up of the host's /etc/<entry>
 * (so the rest of it stays visible in the VM).
 */
export function prepareEtcEntry(l: VmLayout, entry: string, etcMountPoints: readonly string[]): void {
  const vmEntry = join(l.etc, entry);
  if (existsSync(vmEntry)) return;
  const host = join('/etc', entry);
  const kind = hostEtcKind(entry);
  mkdirSync(l.etc, { recursive: true });
  if (etcMountPoints.includes(entry)) {
    // A VM-owned entry (/etc/trove): starts empty, never a copy of the host's
    // (a controller's trove.conf there must not leak into guests).
    if (kind === 'absent') mkdirSync(host, { recursive: true, mode: 0o755 });
    mkdirSync(vmEntry, { recursive: true, mode: 0o755 });
  } else if (kind === 'dir') {
    cpSync(host, vmEntry, { recursive: true, verbatimSymlinks: true, filter: (src) => !excludedFromCopyUp(relative(host, src)) });
  } else if (kind === 'file') {
    copyFileSync(host, vmEntry);
  } else {
    mkdirSync(host, { recursive: true, mode: 0o755 });
    mkdirSync(vmEntry, { recursive: true, mode: 0o755 });
  }
}

const VM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The runner script: refuses to run unless the VM's /etc/hosts is mounted (else a script would edit the host's). */
export function runnerScript(l: VmLayout, commands: UserCommand[], stage: 'boot' | 'final'): string {
  const steps = commands.map((c, i) => ({ name: c.name, file: join(l.init, `${stage}-${String(i + 1).padStart(2, '0')}-${c.name}`) }));
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/bash
# ${stage}-stage init of micro-VM ${l.serverId} (written by lab/cloud/vm/vm-init.ts)
status=${q(initStatusFile(l))}
rm -f "$status"
echo "[$(date -Is)] ${stage} stage: ${steps.length} script(s) as $(id -un) on $(hostname)"
if ! awk '$5 == "/etc/hosts" { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  echo "the VM's /etc/hosts is not mounted over /etc/hosts: refusing to run scripts on the host's /etc"
  echo "${stage} 97" > "$status"
  exit 97
fi
cd "$VM_ROOT" || exit 96
worst=0
${steps
  .map(
    (s) => `echo "[$(date -Is)] == ${s.name}"
${q(s.file)}
rc=$?
echo "[$(date -Is)] == ${s.name} exited $rc"
[ "$rc" -eq 0 ] || worst=$rc`,
  )
  .join('\n')}
echo "${stage} $worst" > "$status.tmp" && mv "$status.tmp" "$status"
exit 0
`;
}

/** Write the stage's scripts and start its runner inside the VM, detached; returns the runner's pid. */
export function startInit(host: Host, l: VmLayout, commands: UserCommand[], stage: 'boot' | 'final'): number {
  mkdirSync(l.init, { recursive: true });
  mkdirSync(l.root, { recursive: true });
  commands.forEach((c, i) => {
    const file = join(l.init, `${stage}-${String(i + 1).padStart(2, '0')}-${c.name}`);
    writeFileSync(file, c.script.startsWith('#!') ? c.script : `#!/bin/sh\n${c.script}`, { mode: 0o755 });
  });
  const runner = join(l.init, `${stage}-run.sh`);
  writeFileSync(runner, runnerScript(l, commands, stage), { mode: 0o755 });
  rmSync(initStatusFile(l), { force: true });
  const env = ['env', '-i', `PATH=${VM_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', `VM_ROOT=${l.root}`, `VM_ID=${l.serverId}`];
  const pid = startDetached(vmExecArgv(host, l.ns, l.uts, [...env, '/bin/bash', runner]), initLog(l));
  writeFileSync(pidFiles(l).init, `${pid}\n`);
  return pid;
}

export interface InitResult {
  /** Worst exit status of the stage's scripts (cloud-init logs failures; the VM still boots). */
  code: number;
  timedOut: boolean;
}

export function readInitStatus(l: VmLayout): { stage: string; code: number } | undefined {
  const f = initStatusFile(l);
  if (!existsSync(f)) return undefined;
  const [stage = '', code = 'NaN'] = readFileSync(f, 'utf8').trim().split(/\s+/);
  return { stage, code: Number(code) };
}

/** Wait for the stage's runner (by pid file) to finish; kill its process group after timeoutMs. */
export async function waitInit(l: VmLayout, timeoutMs: number): Promise<InitResult> {
  const pid = readPidFile(pidFiles(l).init);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    logInit(l, `init runner ${pid} still running after ${Math.round(timeoutMs / 1000)} s: killed`);
    rmSync(pidFiles(l).init, { force: true });
    return { code: 124, timedOut: true };
  }
  rmSync(pidFiles(l).init, { force: true });
  const st = readInitStatus(l);
  return { code: st ? st.code : 1, timedOut: false };
}
