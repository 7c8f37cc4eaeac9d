// A real OpenSSH server for the tests: key-only, on a loopback address, with
// its own config, keys and log in a temp dir. Stopped by its PID only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { generateKey, type KeyType } from './ssh-keys.ts';

const SSHD = '/usr/sbin/sshd';
// Debian's sshd refuses to start without its privilege separation directory.
const PRIVSEP_DIR = '/run/sshd';

export interface Sshd {
  address: string;
  port: number;
  pid: number;
  logFile: string;
  /** Public key line per host key type, e.g. hostKeys.ed25519 = "ssh-ed25519 AAAA... comment". */
  hostKeys: Partial<Record<KeyType, { publicLine: string; publicFile: string }>>;
  log(): string;
  stop(): Promise<void>;
}

export interface SshdOptions {
  dir: string;
  address: string;
  hostKeyTypes: KeyType[];
  authorizedKeys: string;
  /** DEBUG1 logs direct-tcpip forwards, which the jump host test looks for. */
  logLevel?: 'VERBOSE' | 'DEBUG1';
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  const { dir, address } = options;
  mkdirSync(dir, { recursive: true });
  const port = await freePort(address);
  const hostKeys: Sshd['hostKeys'] = {};
  for (const type of options.hostKeyTypes) {
    const file = join(dir, `ssh_host_${type}_key`);
    hostKeys[type] = { publicLine: generateKey(file, type), publicFile: `${file}.pub` };
  }
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, options.authorizedKeys, { mode: 0o600 });
  const logFile = join(dir, 'sshd.log');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${address}:${port}`,
      ...options.hostKeyTypes.map((t) => `HostKey ${join(dir, `ssh_host_${t}_key`)}`),
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      // The temp dir is world-readable (mkdtemp under /tmp); this sshd is for loopback tests only.
      'StrictModes no',
      'UsePAM no',
      `LogLevel ${options.logLevel ?? 'VERBOSE'}`,
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-D', '-f', config, '-E', logFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${SSHD}`);
  await waitForListening(child, address, port, () => `${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`);
  return {
    address,
    port,
    pid,
    logFile,
    hostKeys,
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => stopChild(child),
  };
}

async function waitForListening(child: ChildProcess, address: string, port: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with code ${child.exitCode} before listening:\n${diagnostics()}`);
    if (await accepts(address, port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`sshd did not listen on ${address}:${port} within 10 s:\n${diagnostics()}`);
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** TERM by PID, KILL by PID if it lingers; resolves when it has exited. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Creates /run/sshd if missing; the returned function removes it only if we created it. */
export function ensurePrivsepDir(): () => void {
  if (existsSync(PRIVSEP_DIR)) return () => {};
  mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  return () => {
    try {
      rmdirSync(PRIVSEP_DIR);
    } catch {
      // Someone else started using it meanwhile; leaving an empty system dir is harmless.
    }
  };
}
