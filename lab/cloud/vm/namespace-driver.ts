// The namespace micro-VM driver: a server is a network namespace plugged into
// the bridges of its ports (switch namespace, veth v<6 hex><n> ↔ eth<n>, the
// ports' MACs and fixed IPs), with a persistent UTS namespace (hostname), its
// own /etc entries under /etc/netns/<ns> (hosts, hostname, supervisor, ssh,
// trove, …; see vm-files.ts), its user_data run by vm-init.ts, and its own
// supervisord (its "init": a VM runs while that runs). Image property
// trove_role picks what it runs (roles.ts): `database` → the guest agent as a
// supervisord program; `node` → nothing but sshd (root login with the server's
// keypair) and supervisord, like a lab node; a role configured in
// vmDriverOptions.roles → like node, plus its programs and its own /etc
// entries. Its console (console.ts) is its init.log. All state is on disk
// (adopt.ts), so a restarted lab cloud re-adopts running VMs; every process is
// stopped by PID.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startDetached, waitFor } from '../../sh.ts';
import { isAlive, readPidFile, stopPids } from '../../procs.ts';
import { supervisorRpc } from '../../steps/supervisor-rpc.ts';
import type { LabCloudConfig } from '../config.ts';
import type { CloudState, ImageRecord, NeutronResource, ServerRecord } from '../model.ts';
import { STATE_FILE } from '../store.ts';
import { ConsoleUnavailable, type VmDriver, type VmPortInfo, type VmPower } from '../vm-driver.ts';
import { adoptAll, livePids, pidFiles, powerOf, readManifest, supervisorSocket, vmIdsOnDisk, writeManifest, type VmLeg, type VmManifest } from './adopt.ts';
import {
  addLeg,
  announceAddresses,
  addRoute,
  bridgeExists,
  createNamespace,
  deleteLink,
  deleteNamespace,
  Host,
  links,
  listNamespaces,
  makeUts,
  namespaceExists,
  namespacePids,
  prefixLength,
  removeUts,
  setLinkUp,
  switchIfName,
  vmExecArgv,
  type HostNamespaces,
} from './netns.ts';
import { keysToConsole, readConsoleLog, readHostKeys } from './console.ts';
import { parseNamespaceOptions, type RoleSpec } from './options.ts';
import { expandProgram, firstIpv4, programConfig, programLog, roleOf, type VmProgram, type VmRole } from './roles.ts';
import { parseUserData, type ParsedUserData } from './user-data.ts';
import { ETC_NETNS, vmLayout, type VmLayout } from './vm-files.ts';
import { hostEtcKind, initLog, logInit, prepareEtcEntry, readInitStatus, startInit, waitInit, writeGuestFiles } from './vm-init.ts';

export { programConfig, roleOf, type VmProgram, type VmRole } from './roles.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GUEST_MAIN = join(REPO, 'lab', 'guest', 'main.ts');
const VM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const GUEST_PROGRAM = 'guest-agent';

/**
 * The database role's default program: this Node binary with the project's own
 * tsx loader, both by absolute path (a VM process starts with `env -i`, no
 * node_modules/.bin on PATH, and must not depend on its working directory),
 * running lab/guest/main.ts on the config Trove injected.
 */
export function defaultGuestCommand(repo = REPO): string {
  const loader = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return `${process.execPath} --import ${loader} ${join(repo, 'lab', 'guest', 'main.ts')} --config-dir /etc/trove/conf.d`;
}

export interface NamespaceDriverOptions {
  /** Namespace holding the bridges (lab: lab-sw). */
  switchNamespace: string;
  /** VM namespace = prefix + server id (lab: vm-; tests: vmt-). */
  namespacePrefix: string;
  /** <vmsDir>/<server id> per VM. */
  vmsDir: string;
  /** Network name (or id) → bridge, over the defaults of defaultBridge(). */
  bridges: Record<string, string>;
  /** Role of an image without trove_role. */
  defaultRole: VmRole;
  /** Configured roles (options.ts): programs and /etc entries on top of node's supervisord + sshd. */
  roles: Record<string, RoleSpec>;
  /** Database role: supervisord program command (default: the lab guest agent). */
  guestCommand?: string;
  guestDirectory?: string;
  /** /etc entries created on the host as mount points when missing (vm-files.ts). */
  etcMountPoints: string[];
  splitAppendedCloudConfig: boolean;
  initTimeoutSeconds: number;
  hostNamespaces: HostNamespaces;
  /** The server's keypair public key (Nova injects key_name's key). */
  publicKey: (server: ServerRecord) => string | null;
  /** One line to the lab cloud's log. */
  note?: (line: string) => void;
}

/** The documents' networks → the lab's bridges; `overrides` (config vm.bridges) win. */
export function defaultBridge(network: string): string | undefined {
  const m = /^trove-mgmt(\d+)$/.exec(network);
  if (m) return `br-mgmt${m[1]}`;
  if (network === 'tenant') return 'br-tenant';
  if (network === 'admin' || network === 'admin-mgmt') return 'br-admin';
  return undefined;
}

export function bridgeFor(network: NeutronResource, overrides: Record<string, string>): string | undefined {
  const name = String(network.name ?? '');
  return overrides[name] ?? overrides[network.id] ?? defaultBridge(name);
}

export function hostsFor(hostname: string): string {
  return ['127.0.0.1\tlocalhost', `127.0.1.1\t${hostname}`, '::1\tlocalhost ip6-localhost ip6-loopback', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters', ''].join('\n');
}

export function supervisordConfig(l: VmLayout): string {
  return `; supervisord of micro-VM ${l.ns} (lab cloud namespace driver)
[unix_http_server]
file=${join(l.run, 'supervisor.sock')}
chmod=0700

[supervisord]
nodaemon=true
logfile=${join(l.log, 'supervisord.log')}
pidfile=${pidFiles(l).supervisord}
childlogdir=${l.log}
directory=/
identifier=${l.ns}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${join(l.run, 'supervisor.sock')}

[include]
files = /etc/supervisor/conf.d/*.conf
`;
}

export function sshdConfig(l: VmLayout): string {
  return `# sshd of micro-VM ${l.ns} (lab cloud namespace driver): key-only root login.
ListenAddress 0.0.0.0:22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile ${pidFiles(l).sshd}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# Not /root/.ssh: root's home is the host's.
AuthorizedKeysFile /etc/ssh/authorized_keys
UsePAM no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`;
}

export class NamespaceVmDriver implements VmDriver {
  readonly name = 'namespace';
  private readonly host: Host;
  /** Per-server operation chain: boot/stop/start/destroy of one VM never interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly cancelled = new Set<string>();

  constructor(readonly opts: NamespaceDriverOptions) {
    this.host = new Host(opts.hostNamespaces);
    if (!/^[a-z0-9][a-z0-9-]{0,15}$/.test(opts.namespacePrefix)) throw new Error(`vm namespacePrefix ${opts.namespacePrefix}: lowercase letters, digits, dashes, at most 16`);
  }

  layout(serverId: string): VmLayout {
    return vmLayout(this.opts.vmsDir, this.opts.namespacePrefix, serverId);
  }

  private note(line: string): void {
    this.opts.note?.(line);
  }

  private serial<T>(id: string, op: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(op, op);
    const tail = next.catch(() => undefined);
    this.chains.set(id, tail);
    void tail.then(() => {
      if (this.chains.get(id) === tail) this.chains.delete(id);
    });
    return next;
  }

  private checkCancelled(id: string): void {
    if (this.cancelled.has(id)) throw new Error('server deleted while its VM was booting');
  }

  async adopt(serverIds: string[]): Promise<string[]> {
    const r = adoptAll(this.opts.vmsDir, this.opts.namespacePrefix, serverIds);
    const lines = r.adopted.map((a) => `vm ${a.id}: ${a.phase}, supervisord ${a.pids.supervisord ?? 'down'}, sshd ${a.pids.sshd ?? '-'}${a.pids.init ? `, init ${a.pids.init} running` : ''}`);
    for (const o of r.orphans) lines.push(`vm ${o}: on disk under ${this.opts.vmsDir} but no such server (left alone)`);
    return lines;
  }

  boot(server: ServerRecord, ports: VmPortInfo[], userData: Buffer | null, image: ImageRecord | undefined): Promise<void> {
    return this.serial(server.id, () => this.doBoot(server, ports, userData, image));
  }

  private async doBoot(server: ServerRecord, ports: VmPortInfo[], userData: Buffer | null, image: ImageRecord | undefined): Promise<void> {
    const t0 = Date.now();
    const l = this.layout(server.id);
    const existing = readManifest(l);
    if (existing) {
      // A restarted lab cloud resumes a BUILD: adopt what is there when it can.
      const pids = livePids(l);
      if (existing.phase === 'running' && pids.supervisord) return;
      if (existing.phase === 'init' && (pids.init || readInitStatus(l)?.stage === 'final')) {
        await this.finishBoot(l, existing, t0);
        return;
      }
      await this.teardown(server.id);
    }
    this.checkCancelled(server.id);
    const role = roleOf(image, this.opts.defaultRole, this.opts.roles);
    const parsed = parseUserData(userData, { splitAppendedCloudConfig: this.opts.splitAppendedCloudConfig });
    const hostname = parsed.hostname ?? (server.hostname || server.name);
    const legs = await this.planLegs(server.id, ports);
    const routes = planRoutes(legs, ports);
    const program = role === 'database' ? this.guestProgram() : undefined;
    const spec = this.opts.roles[role];
    const eth0 = firstIpv4(legs.find((x) => x.ifname === 'eth0')?.addresses ?? []);
    const programs = program ? [program.program] : (spec?.programs ?? []).map((p) => expandProgram(role, p, { hostname, eth0 }));
    const key = this.opts.publicKey(server);
    const m: VmManifest = {
      version: 1,
      serverId: server.id,
      ns: l.ns,
      hostname,
      role,
      switchNs: this.opts.switchNamespace,
      legs,
      routes,
      phase: 'building',
      programs,
      ...(program?.wouldRun ? { wouldRun: program.wouldRun } : {}),
      // node and configured roles are reached over SSH (provisioning); a database VM only with a key.
      sshd: role !== 'database' || key !== null || parsed.sshAuthorizedKeys.length > 0,
      warnings: parsed.warnings,
      created: new Date().toISOString(),
    };
    for (const d of [l.dir, l.root, l.run, l.log, l.init]) mkdirSync(d, { recursive: true });
    writeManifest(l, m);
    logInit(l, `boot ${server.name} (${server.id}) as ${role} in namespace ${l.ns}, hostname ${hostname}`);
    for (const w of parsed.warnings) logInit(l, `user_data: ${w}`);
    if (m.wouldRun) logInit(l, `database role: lab/guest/main.ts is missing; the guest agent would run: ${m.wouldRun}`);
    if (spec) logInit(l, `role ${role}: programs ${programs.map((p) => `${p.name}${p.autostart === false ? ' (not autostarted)' : ''}`).join(', ') || '-'}; own /etc entries ${spec.etc.join(', ') || '-'}`);
    try {
      await createNamespace(this.host, l.ns);
      for (const leg of legs) {
        this.checkCancelled(server.id);
        await addLeg(this.host, { switchNs: this.opts.switchNamespace, bridge: leg.bridge, switchIf: leg.switchIf, vmNs: l.ns, ifname: leg.ifname, addresses: leg.addresses, ...(leg.mac ? { mac: leg.mac } : {}) });
      }
      for (const r of routes) await addRoute(this.host, l.ns, r);
      await Promise.all(legs.map((leg) => announceAddresses(this.host, { vmNs: l.ns, ifname: leg.ifname, addresses: leg.addresses })));
      await makeUts(this.host, l.uts, hostname);
      this.writeEtc(l, m, ports, parsed, key, spec?.etc ?? []);
      if (m.sshd && !existsSync(join(l.etc, 'ssh', 'ssh_host_ed25519_key'))) {
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${hostname}`, '-f', join(l.etc, 'ssh', 'ssh_host_ed25519_key')]);
      }
      this.checkCancelled(server.id);
      const boot = parsed.commands.filter((c) => c.stage === 'boot');
      if (boot.length) {
        startInit(this.host, l, boot, 'boot');
        const r = await waitInit(l, this.opts.initTimeoutSeconds * 1000);
        logInit(l, `boot stage finished: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}`);
      }
      this.checkCancelled(server.id);
      writeGuestFiles(l, parsed.files, this.opts.etcMountPoints);
      m.phase = 'init';
      writeManifest(l, m);
      const final = parsed.commands.filter((c) => c.stage === 'final');
      // Always run the (possibly empty) final stage: it also proves the VM's /etc is mounted.
      startInit(this.host, l, final, 'final');
      await this.finishBoot(l, m, t0);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      logInit(l, `boot failed: ${message}`);
      if (existsSync(l.dir)) {
        m.phase = 'error';
        m.error = message;
        writeManifest(l, m);
        await this.stopProcesses(l, m).catch(() => undefined);
      }
      throw e instanceof Error ? e : new Error(message);
    }
  }

  private async finishBoot(l: VmLayout, m: VmManifest, t0: number): Promise<void> {
    const r = await waitInit(l, this.opts.initTimeoutSeconds * 1000);
    logInit(l, `final stage finished: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}`);
    if (r.code === 97) throw new Error(`the VM's /etc is not mounted inside ${l.ns}; user_data scripts were not run (see ${join(l.log, 'init.log')})`);
    // cloud-init's keys-to-console runs last in its final stage, once per
    // instance: the console then shows the host keys sshd will present.
    if (m.sshd) {
      const lines = keysToConsole(readHostKeys(join(l.etc, 'ssh')), new Date());
      if (lines.length) appendFileSync(initLog(l), `${lines.join('\n')}\n`);
    }
    this.checkCancelled(l.serverId);
    await this.startProcesses(l, m);
    m.phase = 'running';
    m.bootMs = Date.now() - t0;
    delete m.error;
    writeManifest(l, m);
    logInit(l, `running (boot took ${m.bootMs} ms)`);
    this.note(`vm ${l.serverId}: running in ${l.ns} (${m.role}, ${m.legs.map((x) => `${x.ifname}=${x.addresses.join(',')}@${x.bridge}`).join(' ')}, ${m.bootMs} ms)`);
  }

  private guestProgram(): { program: VmProgram; wouldRun?: string } {
    const dir = this.opts.guestDirectory ?? REPO;
    if (this.opts.guestCommand) return { program: { name: GUEST_PROGRAM, command: this.opts.guestCommand, directory: dir } };
    const agent = defaultGuestCommand();
    if (existsSync(GUEST_MAIN)) return { program: { name: GUEST_PROGRAM, command: agent, directory: dir } };
    const placeholder = `/bin/sh -c 'echo "lab/guest/main.ts is not there yet; would run: ${agent.replace(/'/g, '')}"; exec sleep 2147483647'`;
    return { program: { name: GUEST_PROGRAM, command: placeholder, directory: dir }, wouldRun: agent };
  }

  private async planLegs(serverId: string, ports: VmPortInfo[]): Promise<VmLeg[]> {
    const sw = this.opts.switchNamespace;
    if (ports.length && !(await namespaceExists(this.host, sw))) throw new Error(`switch namespace ${sw} does not exist (is the lab network up?)`);
    const taken = new Set((await links(this.host, sw)).map((x) => x.ifname));
    const legs: VmLeg[] = [];
    let hex: string | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (ports.every((_, i) => !taken.has(switchIfName(serverId, i, hex)))) break;
      hex = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
    }
    for (const [i, p] of ports.entries()) {
      const netName = String(p.network.name ?? p.network.id);
      const bridge = bridgeFor(p.network, this.opts.bridges);
      if (!bridge) throw new Error(`network ${netName} has no bridge: map it in the lab cloud config (vm.bridges: {${netName}: <bridge>})`);
      if (!(await bridgeExists(this.host, sw, bridge))) throw new Error(`bridge ${bridge} (network ${netName}) does not exist in namespace ${sw}`);
      const fixed = (p.port.fixed_ips as { subnet_id: string; ip_address: string }[] | undefined) ?? [];
      const addresses = fixed.map((f) => {
        const subnet = p.subnets.find((s) => s.id === f.subnet_id);
        if (!subnet) throw new Error(`port ${p.port.id}: subnet ${f.subnet_id} not found`);
        return `${f.ip_address}/${prefixLength(String(subnet.cidr))}`;
      });
      const ifname = `eth${i}`;
      legs.push({ network: netName, bridge, switchIf: switchIfName(serverId, i, hex), ifname, mac: typeof p.port.mac_address === 'string' ? p.port.mac_address : null, addresses });
    }
    return legs;
  }

  /** /etc/netns/<ns>: hosts, hostname, resolv.conf, supervisor/, ssh/, the role's entries — all before any VM process starts. */
  private writeEtc(l: VmLayout, m: VmManifest, ports: VmPortInfo[], parsed: ParsedUserData, key: string | null, roleEtc: readonly string[]): void {
    mkdirSync(l.etc, { recursive: true });
    writeFileSync(join(l.etc, 'hosts'), hostsFor(m.hostname));
    if (hostEtcKind('hostname') === 'file') writeFileSync(join(l.etc, 'hostname'), `${m.hostname}\n`);
    const dns = [...new Set(ports.flatMap((p) => p.subnets.flatMap((s) => (Array.isArray(s.dns_nameservers) ? (s.dns_nameservers as string[]) : []))))];
    if (dns.length && hostEtcKind('resolv.conf') === 'file') writeFileSync(join(l.etc, 'resolv.conf'), dns.map((d) => `nameserver ${d}`).join('\n') + '\n');
    mkdirSync(join(l.etc, 'supervisor', 'conf.d'), { recursive: true });
    writeFileSync(join(l.etc, 'supervisor', 'supervisord.conf'), supervisordConfig(l));
    for (const p of m.programs) {
      writeFileSync(join(l.etc, 'supervisor', 'conf.d', `${p.name}.conf`), programConfig(l, p));
      // supervisord does not create a log's directory; other per-VM paths
      // (pid files, sockets) are the program's or its provisioning's business.
      mkdirSync(dirname(programLog(l, p)), { recursive: true });
    }
    if (m.sshd) {
      mkdirSync(join(l.etc, 'ssh'), { recursive: true, mode: 0o755 });
      writeFileSync(join(l.etc, 'ssh', 'sshd_config'), sshdConfig(l));
      for (const f of ['ssh_config', 'moduli']) if (existsSync(`/etc/ssh/${f}`)) writeFileSync(join(l.etc, 'ssh', f), readFileSync(`/etc/ssh/${f}`));
      const keys = [...(key ? [key.trim()] : []), ...parsed.sshAuthorizedKeys.map((k) => k.trim())];
      writeFileSync(join(l.etc, 'ssh', 'authorized_keys'), keys.length ? `${keys.join('\n')}\n` : '', { mode: 0o600 });
    }
    if (m.role === 'database' && this.opts.etcMountPoints.includes('trove')) prepareEtcEntry(l, 'trove', this.opts.etcMountPoints);
    // The role's own entries: a later write inside the VM (provisioning over
    // SSH to /etc/keepalived/keepalived.conf) must land in this VM's copy, not
    // in the host's file every VM shares; `ip netns exec` only mounts entries
    // present when a process starts, hence now.
    for (const entry of roleEtc) {
      if (hostEtcKind(entry) === 'symlink') throw new Error(`role ${m.role}: /etc/${entry} is a symlink on this host, which ip netns exec cannot bind-mount a VM's copy over`);
      prepareEtcEntry(l, entry, this.opts.etcMountPoints);
    }
  }

  private async startProcesses(l: VmLayout, m: VmManifest): Promise<void> {
    const env = ['env', '-i', `PATH=${VM_PATH}`, 'HOME=/root', 'LANG=C.UTF-8', `VM_ROOT=${l.root}`, `VM_ID=${l.serverId}`];
    const pf = pidFiles(l);
    if (!isAlive(readPidFile(pf.supervisord))) {
      rmSync(pf.supervisord, { force: true });
      rmSync(supervisorSocket(l), { force: true });
      startDetached(vmExecArgv(this.host, l.ns, l.uts, [...env, '/usr/bin/supervisord', '-n', '-c', '/etc/supervisor/supervisord.conf']), join(l.log, 'supervisord.out'));
    }
    if (m.sshd && !isAlive(readPidFile(pf.sshd))) {
      if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
      rmSync(pf.sshd, { force: true });
      startDetached(vmExecArgv(this.host, l.ns, l.uts, [...env, '/usr/sbin/sshd', '-D', '-e', '-f', '/etc/ssh/sshd_config']), join(l.log, 'sshd.log'));
    }
    const tail = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(-5).join(' | ') : '');
    try {
      await waitFor(
        `supervisord${m.sshd ? ' and sshd' : ''} in ${l.ns}`,
        async () => {
          if (m.sshd && !isAlive(readPidFile(pf.sshd))) return false;
          if (!existsSync(supervisorSocket(l))) return false;
          return supervisorRpc(supervisorSocket(l), 'supervisor.getState', [], 2000).then(
            () => true,
            () => false,
          );
        },
        20_000,
        100,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}: supervisord: ${tail(join(l.log, 'supervisord.out'))} sshd: ${tail(join(l.log, 'sshd.log'))}`);
    }
  }

  /** supervisord first (it stops its programs gracefully), then sshd, the init runner, and whatever else lives in the namespace. */
  private async stopProcesses(l: VmLayout, m: VmManifest | undefined): Promise<void> {
    const pids = livePids(l);
    if (pids.supervisord) await stopPids([pids.supervisord], 35_000);
    const rest = [pids.sshd, pids.init].filter((p): p is number => p !== undefined);
    if (pids.init) {
      try {
        process.kill(-pids.init, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (rest.length) await stopPids(rest, 5_000);
    if (m && (await namespaceExists(this.host, l.ns))) {
      const left = await namespacePids(this.host, l.ns);
      if (left.length) await stopPids(left, 5_000);
    }
  }

  /** init.log (boot steps, user scripts' output, keys-to-console), as Nova's libvirt driver reads console.log. */
  async consoleOutput(server: ServerRecord): Promise<Buffer> {
    const l = this.layout(server.id);
    if (!readManifest(l)) {
      if (server.status === 'BUILD') throw new ConsoleUnavailable('not-ready', `Instance ${server.id} is not ready`);
      throw new ConsoleUnavailable('unavailable', 'Guest does not have a console available.');
    }
    return readConsoleLog(initLog(l));
  }

  async status(server: ServerRecord): Promise<VmPower> {
    const l = this.layout(server.id);
    return powerOf(readManifest(l), livePids(l), await namespaceExists(this.host, l.ns));
  }

  stop(server: ServerRecord): Promise<void> {
    return this.serial(server.id, async () => {
      const l = this.layout(server.id);
      const m = this.need(l);
      await this.stopProcesses(l, m);
      for (const leg of m.legs) await setLinkUp(this.host, l.ns, leg.ifname, false);
      m.phase = 'stopped';
      writeManifest(l, m);
      logInit(l, 'stopped');
    });
  }

  start(server: ServerRecord): Promise<void> {
    return this.serial(server.id, async () => {
      const l = this.layout(server.id);
      const m = this.need(l);
      for (const leg of m.legs) await setLinkUp(this.host, l.ns, leg.ifname, true);
      await this.startProcesses(l, m);
      m.phase = 'running';
      writeManifest(l, m);
      logInit(l, 'started');
    });
  }

  reboot(server: ServerRecord, hard: boolean): Promise<void> {
    return this.serial(server.id, async () => {
      const l = this.layout(server.id);
      const m = this.need(l);
      await this.stopProcesses(l, m);
      for (const leg of m.legs) await setLinkUp(this.host, l.ns, leg.ifname, true);
      await this.startProcesses(l, m);
      m.phase = 'running';
      writeManifest(l, m);
      logInit(l, `rebooted (${hard ? 'hard' : 'soft'})`);
    });
  }

  private need(l: VmLayout): VmManifest {
    const m = readManifest(l);
    if (!m) throw new Error(`no VM for server ${l.serverId} (${l.manifest} missing)`);
    if (m.phase === 'error') throw new Error(`VM ${l.ns} failed to boot: ${m.error ?? 'unknown error'}`);
    return m;
  }

  async destroy(server: ServerRecord): Promise<void> {
    this.cancelled.add(server.id);
    // A boot waiting on its init runner ends sooner when the runner goes.
    const init = livePids(this.layout(server.id)).init;
    if (init) {
      try {
        process.kill(-init, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      await this.serial(server.id, () => this.teardown(server.id));
    } finally {
      this.cancelled.delete(server.id);
    }
  }

  /** Remove a VM found on disk (lab teardown: no lab cloud, no server record). */
  destroyById(serverId: string): Promise<void> {
    return this.serial(serverId, () => this.teardown(serverId));
  }

  /** Remove everything a VM made: processes, veths, namespace, UTS mount, /etc/netns entry, its directory. */
  private async teardown(serverId: string): Promise<void> {
    const t0 = Date.now();
    const l = this.layout(serverId);
    const m = readManifest(l);
    await this.stopProcesses(l, m ?? ({} as VmManifest));
    for (const leg of m?.legs ?? []) await deleteLink(this.host, m!.switchNs, leg.switchIf);
    await deleteNamespace(this.host, l.ns);
    await removeUts(this.host, l.uts);
    rmSync(l.etc, { recursive: true, force: true });
    rmSync(l.dir, { recursive: true, force: true });
    try {
      if (existsSync(ETC_NETNS) && readdirSync(ETC_NETNS).length === 0) rmdirSync(ETC_NETNS);
    } catch {
      /* someone else just added an entry */
    }
    this.note(`vm ${serverId}: destroyed in ${Date.now() - t0} ms`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every VM of a driver configuration, gone without the lab cloud (lab down):
 * each VM directory under vmsDir torn down as a delete would (processes by PID,
 * veths, namespace, UTS mount, /etc/netns/<ns>, directory), then any
 * <prefix><server id> namespace or /etc/netns entry without a directory
 * (a crash mid-boot): its processes by `ip netns pids`, then the namespace.
 * Returns one line per VM removed.
 */
export async function destroyAllVms(o: { vmsDir: string; namespacePrefix: string; switchNamespace: string; hostNamespaces?: HostNamespaces }): Promise<string[]> {
  const lines: string[] = [];
  const driver = new NamespaceVmDriver({
    switchNamespace: o.switchNamespace,
    namespacePrefix: o.namespacePrefix,
    vmsDir: o.vmsDir,
    bridges: {},
    defaultRole: 'node',
    roles: {},
    etcMountPoints: ['trove'],
    splitAppendedCloudConfig: true,
    initTimeoutSeconds: 300,
    hostNamespaces: o.hostNamespaces ?? 'auto',
    publicKey: () => null,
    note: (line) => lines.push(line),
  });
  const host = new Host(o.hostNamespaces ?? 'auto');
  await Promise.all(vmIdsOnDisk(o.vmsDir).map((id) => driver.destroyById(id)));
  const isVm = (ns: string) => ns.startsWith(o.namespacePrefix) && UUID.test(ns.slice(o.namespacePrefix.length));
  for (const ns of (await listNamespaces(host)).filter(isVm)) {
    const pids = await namespacePids(host, ns);
    if (pids.length) await stopPids(pids, 10_000);
    await deleteNamespace(host, ns);
    lines.push(`vm namespace ${ns} (no VM directory): ${pids.length} process(es) stopped, namespace deleted`);
  }
  if (existsSync(ETC_NETNS)) {
    for (const e of readdirSync(ETC_NETNS).filter(isVm)) {
      rmSync(join(ETC_NETNS, e), { recursive: true, force: true });
      lines.push(`/etc/netns/${e} removed`);
    }
    try {
      if (readdirSync(ETC_NETNS).length === 0) rmdirSync(ETC_NETNS);
    } catch {
      /* in use */
    }
  }
  if (existsSync(o.vmsDir) && readdirSync(o.vmsDir).length === 0) rmdirSync(o.vmsDir);
  return lines;
}

export function planRoutes(legs: VmLeg[], ports: VmPortInfo[]): VmManifest['routes'] {
  const routes: VmManifest['routes'] = [];
  let defaultSet = false;
  ports.forEach((p, i) => {
    const dev = legs[i]!.ifname;
    const ids = ((p.port.fixed_ips as { subnet_id: string }[] | undefined) ?? []).map((f) => f.subnet_id);
    for (const s of p.subnets.filter((x) => ids.includes(x.id))) {
      // No gateway (the documents' trove-mgmt subnets): no default route through it.
      if (!defaultSet && typeof s.gateway_ip === 'string' && s.gateway_ip) {
        routes.push({ destination: 'default', via: s.gateway_ip, dev });
        defaultSet = true;
      }
      for (const hr of (s.host_routes as { destination: string; nexthop: string }[] | undefined) ?? []) routes.push({ destination: hr.destination, via: hr.nexthop, dev });
    }
  });
  return routes;
}

/**
 * vm-loader.ts's entry point: `vmDriver: namespace` with `vmDriverOptions`
 * (options.ts). The driver sees no Store, so the keypair of a server's
 * key_name is read from the state file, which the store rewrites before a
 * boot starts.
 */
export function createVmDriver(options: Record<string, unknown>, config: Pick<LabCloudConfig, 'stateDir'>): NamespaceVmDriver {
  const o = parseNamespaceOptions(options, config.stateDir);
  const stateFile = join(config.stateDir, STATE_FILE);
  return new NamespaceVmDriver({
    ...o,
    vmsDir: o.dir,
    publicKey: (server) => {
      if (server.keyName === null) return null;
      try {
        const st = JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState;
        return st.keypairs.find((k) => k.userId === server.userId && k.name === server.keyName)?.publicKey ?? null;
      } catch {
        return null;
      }
    },
    note: (line) => process.stdout.write(`lab-cloud ${line}\n`),
  });
}
