// Step "nodes": what makes a namespace a host. Each node gets
//   - an sshd (key-only root login), the harness's way in, exactly as on a real site;
//   - its own supervisord, so over SSH `supervisorctl status|stop|start <program>`
//     works with no extra arguments; every lab service is a program in it.
// Both are started through `ip netns exec`, which bind-mounts each entry of
// /etc/netns/<node>/ over /etc/<entry> in a fresh mount namespace their children
// and SSH sessions inherit: /etc/hosts, /etc/ssh, /etc/supervisor, /etc/mysql,
// /etc/rabbitmq, /etc/haproxy, /etc/keepalived, /etc/xinetd.d (and /etc/keystone,
// /etc/swift for the Keystone/Swift steps) are per node while
// the paths look standard. Those entries must exist BEFORE sshd/supervisord start
// (a later entry is invisible to them), so this step creates them all.
//
// sshd is deliberately NOT a supervisor program: it is the node's login. Faults
// stop programs or supervisord itself (`supervisorctl stop all`, a killed
// supervisord), and the harness must still get in to heal; on a real host sshd is
// also owned by the init system, not by the application supervisor.
import { appendFileSync, copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { LabStep, StepContext } from '../step.ts';
import type { ProgramSpec } from '../supervisor.ts';
import { onNode, run, startDetached, waitFor } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { nodes, primaryAddress, type LabNode } from '../plan.ts';
import { ensureDir, fileEquals, writeIfChanged } from '../files.ts';
import { isAlive, readPidFile, stopPids } from '../procs.ts';
import { Faults, RpcFault, supervisorRpc } from './supervisor-rpc.ts';

export const CLIENT_KEY = join(labPaths.ssh, 'id_ed25519');
export const KNOWN_HOSTS = join(labPaths.ssh, 'known_hosts');
const RUN_SSHD_MARK = join(labPaths.root, 'created-run-sshd');

/**
 * `ip netns exec` bind-mounts /etc/netns/<node>/<entry> only over an /etc/<entry>
 * that exists in the root filesystem. Packages create most (mysql, rabbitmq,
 * swift, ...), but not all: /etc/trove belongs to trove-common, which the lab
 * does not install (it pulls in dbconfig), and /etc/keystone to the keystone
 * package, not python3-keystone (a fresh Debian 12 machine had none). The lab
 * creates any that is missing, empty. Never removed: running nodes' mounts hang off them.
 */
const HOST_ETC_DIRS = ['trove', 'keystone', 'swift', 'mysql', 'rabbitmq', 'haproxy', 'keepalived', 'xinetd.d', 'supervisor', 'ssh'];

/** /etc entries a node gets its own copy of (see the header). `hosts` is written by the network step. */
export function nodeEtcEntries(n: LabNode): string[] {
  const base = ['hosts', 'ssh', 'supervisor'];
  // keystone, swift and trove: for lab/steps/keystone.ts, swift.ts and trove.ts,
  // whose programs need their per-node /etc in supervisord's mount namespace.
  // The lab cloud node keeps its config under its state directory: nothing in /etc.
  if (n.role === 'controller') return [...base, 'mysql', 'rabbitmq', 'haproxy', 'keepalived', 'xinetd.d', 'keystone', 'swift', 'trove'];
  return base;
}

const etc = (n: string, ...p: string[]): string => join(labPaths.nodeEtc(n), ...p);
const sshdPidFile = (n: string): string => join(labPaths.nodeRun(n), 'sshd.pid');
const supervisordPidFile = (n: string): string => join(labPaths.nodeRun(n), 'supervisord.pid');
const supervisorSocket = (n: string): string => join(labPaths.nodeRun(n), 'supervisor.sock');

function sshdConfig(n: LabNode): string {
  return `# sshd of lab node ${n.name} (trove-ha-lab). Key-only root login, as the
# environment file's ssh section expects. Written by lab/steps/nodes.ts.
${n.legs.map((l) => `ListenAddress ${l.address}:22`).join('\n')}
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile ${sshdPidFile(n.name)}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# Not /root/.ssh: root's home is shared by all nodes and the host.
AuthorizedKeysFile /etc/ssh/authorized_keys
# No PAM in a namespace without systemd/logind; root's password is '*', not locked.
UsePAM no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`;
}

function supervisordConfig(n: LabNode): string {
  const runDir = labPaths.nodeRun(n.name);
  const logDir = labPaths.nodeLog(n.name);
  return `; supervisord of lab node ${n.name} (trove-ha-lab). Written by lab/steps/nodes.ts.
[unix_http_server]
file=${supervisorSocket(n.name)}
chmod=0700

[supervisord]
user=root
nodaemon=true
logfile=${logDir}/supervisord.log
pidfile=${supervisordPidFile(n.name)}
childlogdir=${logDir}
directory=/

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${supervisorSocket(n.name)}

[include]
files = /etc/supervisor/conf.d/*.conf
`;
}

/** Supervisor expands %(...)s in values; a literal % must be doubled. */
const esc = (s: string): string => s.replace(/%/g, '%%');

export function programConfig(node: string, spec: ProgramSpec): string {
  const lines = [
    `; written by the lab (trove-ha-lab)`,
    `[program:${spec.name}]`,
    `command=${esc(spec.command)}`,
    `autostart=${spec.autostart === false ? 'false' : 'true'}`,
    // Supervisor's default: restart after an unexpected exit (a crash, SIGKILL),
    // like systemd's Restart=on-failure; a `supervisorctl stop` stays stopped.
    // A program whose Debian unit has no Restart= opts out (keepalived).
    `autorestart=${spec.restartOnCrash === false ? 'false' : 'unexpected'}`,
    'startsecs=1',
    'startretries=3',
    `stopsignal=${spec.stopSignal ?? 'TERM'}`,
    `stopwaitsecs=${spec.stopWaitSecs ?? 30}`,
    // Only the main process gets the stop signal (keepalived and haproxy manage
    // their children), but a SIGKILL after stopwaitsecs takes the whole group.
    'killasgroup=true',
    'redirect_stderr=true',
    `stdout_logfile=${spec.logFile ?? join(labPaths.nodeLog(node), `${spec.name}.log`)}`,
    'stdout_logfile_maxbytes=50MB',
    'stdout_logfile_backups=2',
  ];
  if (spec.directory) lines.push(`directory=${spec.directory}`);
  if (spec.user) lines.push(`user=${spec.user}`);
  if (spec.environment && Object.keys(spec.environment).length) {
    lines.push(`environment=${Object.entries(spec.environment).map(([k, v]) => `${k}="${esc(v).replace(/"/g, '\\"')}"`).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface ProgramState {
  /** Supervisor state (RUNNING, STOPPED, STARTING, BACKOFF, FATAL, EXITED, ...), UNKNOWN if not configured, DOWN if supervisord does not answer. */
  state: string;
  pid?: number;
  description: string;
}

export interface ProgramOptions {
  /** Step log file for the supervisorctl calls. */
  log?: string;
}

const rpc = (node: string, method: string, params: (string | boolean)[] = []) => supervisorRpc(supervisorSocket(node), method, params);
const faultIs = (err: unknown, code: number): boolean => err instanceof RpcFault && err.code === code;
function logLine(opts: ProgramOptions, line: string): void {
  if (opts.log) appendFileSync(opts.log, `${line}\n`);
}

interface ProcessInfo {
  name: string;
  statename: string;
  pid: number;
  description: string;
}
const toState = (p: ProcessInfo): ProgramState => ({ state: p.statename, description: p.description, ...(p.pid ? { pid: p.pid } : {}) });

/** State of one program on a node (never throws). */
export async function programStatus(node: string, name: string, _opts: ProgramOptions = {}): Promise<ProgramState> {
  try {
    return toState((await rpc(node, 'supervisor.getProcessInfo', [name])) as unknown as ProcessInfo);
  } catch (err) {
    if (faultIs(err, Faults.BAD_NAME)) return { state: 'UNKNOWN', description: `no such program ${name}` };
    return { state: 'DOWN', description: `supervisord not answering: ${(err as Error).message}` };
  }
}

/** What `supervisorctl status` shows on a node, one entry per program; undefined if supervisord does not answer. */
export async function allProgramStatus(node: string): Promise<({ name: string } & ProgramState)[] | undefined> {
  try {
    const all = (await rpc(node, 'supervisor.getAllProcessInfo')) as unknown as ProcessInfo[];
    return all.map((p) => ({ name: p.name, ...toState(p) })).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return undefined;
  }
}

/**
 * Install (or update) program spec on a node: writes
 * /etc/netns/<node>/supervisor/conf.d/<name>.conf and makes supervisord load it
 * (what `supervisorctl update <name>` does: a changed definition is stopped and
 * re-added), then, when autostart, waits until it runs. Returns true when
 * something changed.
 */
export async function addProgram(node: string, spec: ProgramSpec, opts: ProgramOptions = {}): Promise<boolean> {
  const file = etc(node, 'supervisor', 'conf.d', `${spec.name}.conf`);
  const changed = writeIfChanged(file, programConfig(node, spec));
  const known = (await programStatus(node, spec.name, opts)).state !== 'UNKNOWN';
  if (!changed && known) return false;
  logLine(opts, `# supervisord ${node}: ${known ? 'update' : 'add'} program ${spec.name}`);
  const [[, modified]] = (await rpc(node, 'supervisor.reloadConfig')) as unknown as [string[], string[], string[]][] as [[string[], string[], string[]]];
  if (known && modified.includes(spec.name)) {
    await rpc(node, 'supervisor.stopProcessGroup', [spec.name, true]).catch(() => undefined);
    await rpc(node, 'supervisor.removeProcessGroup', [spec.name]);
  }
  await rpc(node, 'supervisor.addProcessGroup', [spec.name]).catch((err) => {
    if (!faultIs(err, Faults.ALREADY_ADDED)) throw err;
  });
  if (spec.autostart !== false) await startProgram(node, spec.name, opts);
  return true;
}

/** Start a program and wait until it is RUNNING (startsecs); fine if it already runs. */
export async function startProgram(node: string, name: string, opts: ProgramOptions = {}): Promise<void> {
  logLine(opts, `# supervisord ${node}: start ${name}`);
  try {
    await rpc(node, 'supervisor.startProcess', [name, true]);
  } catch (err) {
    if (!faultIs(err, Faults.ALREADY_STARTED)) {
      throw new Error(`start ${name} on ${node} failed: ${(err as Error).message}; see ${join(labPaths.nodeLog(node), `${name}.log`)}`);
    }
  }
  await settle(node, name, opts);
}

/** Stop a program and wait until it has stopped; fine if it is not running. */
export async function stopProgram(node: string, name: string, opts: ProgramOptions = {}): Promise<void> {
  logLine(opts, `# supervisord ${node}: stop ${name}`);
  try {
    await rpc(node, 'supervisor.stopProcess', [name, true]);
  } catch (err) {
    if (!faultIs(err, Faults.NOT_RUNNING)) throw new Error(`stop ${name} on ${node} failed: ${(err as Error).message}`);
  }
}

/** Wait until a program has left STARTING/BACKOFF; throws unless it ends RUNNING. */
async function settle(node: string, name: string, opts: ProgramOptions): Promise<void> {
  let last: ProgramState = { state: 'UNKNOWN', description: '' };
  await waitFor(`${name} on ${node} to leave STARTING`, async () => {
    last = await programStatus(node, name, opts);
    return !['STARTING', 'BACKOFF'].includes(last.state);
  }, 60_000, 100);
  if (last.state !== 'RUNNING') throw new Error(`${name} on ${node} is ${last.state} (${last.description}); see ${join(labPaths.nodeLog(node), `${name}.log`)}`);
}

/** Run a command on a node over SSH, as the harness would (checks the whole login path). */
export function sshArgv(address: string, command: string): string[] {
  return ['ssh', '-F', '/dev/null', '-i', CLIENT_KEY, '-o', `UserKnownHostsFile=${KNOWN_HOSTS}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `root@${address}`, command];
}

function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

/** /etc entries of the node that pid's mount namespace does NOT have mounted over /etc. */
function unseenNodeEtc(pid: number, n: LabNode): string[] {
  try {
    const mounts = new Set(readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').map((l) => l.split(' ')[4]));
    return nodeEtcEntries(n).filter((e) => !mounts.has(`/etc/${e}`));
  } catch {
    return nodeEtcEntries(n);
  }
}
const seesNodeEtc = (pid: number, n: LabNode): boolean => unseenNodeEtc(pid, n).length === 0;

function knownHostsContent(): string {
  const lines: string[] = [];
  for (const n of nodes) {
    const pub = etc(n.name, 'ssh', 'ssh_host_ed25519_key.pub');
    if (!existsSync(pub)) continue;
    const [type, key] = readFileSync(pub, 'utf8').trim().split(/\s+/);
    for (const l of n.legs) lines.push(`${l.address} ${type} ${key}`);
  }
  return `${lines.join('\n')}\n`;
}

async function nodeGaps(n: LabNode): Promise<string[]> {
  const gaps: string[] = [];
  for (const e of nodeEtcEntries(n)) if (!existsSync(etc(n.name, e))) gaps.push(`/etc/netns/${n.name}/${e}`);
  if (!fileEquals(etc(n.name, 'ssh', 'sshd_config'), sshdConfig(n))) gaps.push(`${n.name}: sshd_config`);
  if (!fileEquals(etc(n.name, 'supervisor', 'supervisord.conf'), supervisordConfig(n))) gaps.push(`${n.name}: supervisord.conf`);
  const sshd = readPidFile(sshdPidFile(n.name));
  if (!isAlive(sshd)) gaps.push(`${n.name}: sshd`);
  else if (!seesNodeEtc(sshd, n)) gaps.push(`${n.name}: sshd does not see /etc/${unseenNodeEtc(sshd, n).join(', /etc/')}`);
  const sup = readPidFile(supervisordPidFile(n.name));
  if (!isAlive(sup)) gaps.push(`${n.name}: supervisord`);
  else if (!(await allProgramStatus(n.name))) gaps.push(`${n.name}: supervisorctl`);
  if (!gaps.length) {
    const r = await run(sshArgv(primaryAddress(n), 'hostname'), { allowFail: true, timeoutMs: 15_000 });
    if (r.stdout.trim() !== n.name) gaps.push(`${n.name}: ssh root@${primaryAddress(n)} hostname`);
  }
  return gaps;
}

async function gaps(): Promise<string[]> {
  const out = (await Promise.all(nodes.map(nodeGaps))).flat();
  for (const d of HOST_ETC_DIRS) if (!existsSync(`/etc/${d}`)) out.push(`/etc/${d} (bind-mount target)`);
  if (!existsSync(CLIENT_KEY)) out.push('client key');
  if (!fileEquals(KNOWN_HOSTS, knownHostsContent())) out.push('known_hosts');
  return out;
}

async function ensureNode(n: LabNode, ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  ensureDir(labPaths.node(n.name));
  ensureDir(labPaths.nodeRun(n.name), { mode: 0o755 });
  // Sticky and world-writable like /tmp: daemons write their own logs here as
  // their service users (mysql, rabbitmq), and the paths are fixed by lab.yaml.
  ensureDir(labPaths.nodeLog(n.name), { mode: 0o1777 });
  for (const e of nodeEtcEntries(n)) if (e !== 'hosts') ensureDir(etc(n.name, e));
  ensureDir(etc(n.name, 'supervisor', 'conf.d'));

  // sshd: host key per node, the lab's client key authorized.
  const hostKey = etc(n.name, 'ssh', 'ssh_host_ed25519_key');
  if (!existsSync(hostKey)) await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${n.name}`, '-f', hostKey], { log });
  for (const f of ['ssh_config', 'moduli']) if (!existsSync(etc(n.name, 'ssh', f)) && existsSync(`/etc/ssh/${f}`)) copyFileSync(`/etc/ssh/${f}`, etc(n.name, 'ssh', f));
  writeIfChanged(etc(n.name, 'ssh', 'authorized_keys'), readFileSync(`${CLIENT_KEY}.pub`, 'utf8'), { mode: 0o600 });
  const sshdChanged = writeIfChanged(etc(n.name, 'ssh', 'sshd_config'), sshdConfig(n));
  let sshd = readPidFile(sshdPidFile(n.name));
  if (isAlive(sshd) && (sshdChanged || !seesNodeEtc(sshd, n))) {
    await stopPids([sshd]);
    sshd = undefined;
  }
  if (!isAlive(sshd)) {
    await run(onNode(n.name, ['/usr/sbin/sshd', '-t']), { log });
    rmSync(sshdPidFile(n.name), { force: true });
    // -D: stay in the foreground so the started PID is sshd's; -e: log to the file.
    startDetached(onNode(n.name, ['/usr/sbin/sshd', '-D', '-e']), join(labPaths.nodeLog(n.name), 'sshd.log'));
  }

  // supervisord: its config changes only with this code; programs live in conf.d.
  const supChanged = writeIfChanged(etc(n.name, 'supervisor', 'supervisord.conf'), supervisordConfig(n));
  const sup = readPidFile(supervisordPidFile(n.name));
  // A running supervisord that lacks an /etc entry is NOT restarted here: that
  // would stop every service of the node. Say so; `lab down` + `up` fixes it.
  if (isAlive(sup) && !seesNodeEtc(sup, n)) {
    ctx.progress(`nodes: ${n.name}: supervisord does not see /etc/${unseenNodeEtc(sup, n).join(', /etc/')} (created or unmounted after it started)`);
  }
  if (isAlive(sup) && supChanged) {
    ctx.progress(`nodes: ${n.name}: supervisord.conf changed; it applies at the next supervisord start (lab down + up)`);
  }
  if (!isAlive(sup)) {
    rmSync(supervisordPidFile(n.name), { force: true });
    // tini -s is the node's init: a child subreaper, so a daemon's orphans (the
    // VRRP child of a SIGKILLed keepalived) are reaped at once as under systemd.
    // Left to this machine's PID 1 they stay zombies for seconds, and a restarted
    // keepalived takes the zombie for a live daemon ("daemon is already running").
    startDetached(onNode(n.name, ['/usr/bin/tini', '-s', '--', '/usr/bin/supervisord', '-n', '-c', '/etc/supervisor/supervisord.conf']), join(labPaths.nodeLog(n.name), 'supervisord.out'));
  }
}

async function apply(ctx: StepContext): Promise<void> {
  ensureDir(labPaths.ssh, { mode: 0o700 });
  if (!existsSync(CLIENT_KEY)) await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'trove-ha-lab-client', '-f', CLIENT_KEY], { log: ctx.logFile });
  // sshd's privilege-separation directory; removed at teardown only if we made it.
  if (!existsSync('/run/sshd')) {
    ensureDir('/run/sshd', { mode: 0o755 });
    writeIfChanged(RUN_SSHD_MARK, 'the lab created /run/sshd\n');
  }
  for (const d of HOST_ETC_DIRS) if (!existsSync(`/etc/${d}`)) ensureDir(`/etc/${d}`, { mode: 0o755 });
  await Promise.all(nodes.map((n) => ensureNode(n, ctx)));
  writeIfChanged(KNOWN_HOSTS, knownHostsContent(), { mode: 0o644 });
  const ms = await waitFor(
    'sshd and supervisord on every node',
    async () => {
      const ready = await Promise.all(
        nodes.map(async (n) => (await tcpOpen(primaryAddress(n), 22)) && existsSync(supervisorSocket(n.name)) && !!(await allProgramStatus(n.name))),
      );
      return ready.every(Boolean);
    },
    30_000,
    200,
  );
  ctx.progress(`nodes: sshd + supervisord up on ${nodes.length} nodes (${(ms / 1000).toFixed(1)} s)`);
}

/**
 * Stop every node's supervisord, which stops its programs first (graceful:
 * MariaDB, RabbitMQ flush and leave), then sshd; all by pid file, in parallel.
 * The network step then stops by PID whatever is left in the namespaces.
 */
async function teardown(ctx: StepContext): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      const sup = readPidFile(supervisordPidFile(n.name));
      if (isAlive(sup)) {
        const { killed } = await stopPids([sup], 90_000);
        if (killed.length) ctx.progress(`nodes: ${n.name}: supervisord did not stop in 90 s, SIGKILLed`);
      }
      const sshd = readPidFile(sshdPidFile(n.name));
      if (isAlive(sshd)) await stopPids([sshd]);
    }),
  );
  if (existsSync(RUN_SSHD_MARK)) {
    rmSync('/run/sshd', { recursive: true, force: true });
    rmSync(RUN_SSHD_MARK, { force: true });
  }
}

async function status(): Promise<string[]> {
  return Promise.all(
    nodes.map(async (n) => {
      const sshd = isAlive(readPidFile(sshdPidFile(n.name))) ? 'sshd up' : 'sshd DOWN';
      const sup = isAlive(readPidFile(supervisordPidFile(n.name))) ? 'supervisord up' : 'supervisord DOWN';
      return `node ${n.name} ${n.legs.map((l) => l.address).join(',')}: ${sshd}, ${sup}`;
    }),
  );
}

export const nodesStep: LabStep = {
  name: 'nodes',
  async check(ctx) {
    const g = await gaps();
    if (g.length) ctx.progress(`nodes: missing ${g.slice(0, 6).join(', ')}${g.length > 6 ? ` (+${g.length - 6})` : ''}`);
    return g.length === 0;
  },
  apply,
  teardown,
  status,
};
