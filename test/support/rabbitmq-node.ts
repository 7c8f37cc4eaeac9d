// A throwaway RabbitMQ node on 127.0.0.1 (recipe lab-recipe-trove.md §2): own
// HOME/cookie, node name, AMQP/dist/epmd ports, state in a temp dir. The vhost,
// user and password are created at first boot from rabbitmq.conf (no
// rabbitmqctl round trips). We stop exactly what we started, by PID: the
// beam.smp from RABBITMQ_PID_FILE, the rabbitmq-server script (our child) and
// the epmd that carries our ERL_EPMD_PORT in its environment.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const R = '/usr/lib/rabbitmq/bin';

export interface RabbitNode {
  port: number;
  vhost: string;
  user: string;
  /** Secret: never log it. */
  password: string;
  /** rabbit://user:pass@127.0.0.1:<port>/<vhost> — holds the secret. */
  url(ports?: number[]): string;
  ctl(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pidAlive(pid);
}

/** epmd processes whose environment names our ERL_EPMD_PORT (only ours can). */
function ourEpmdPids(epmdPort: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'epmd') continue;
      if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`ERL_EPMD_PORT=${epmdPort}`)) pids.push(Number(d));
    } catch {
      // process went away
    }
  }
  return pids;
}

export async function startRabbitNode(dir: string): Promise<RabbitNode> {
  const [port, distPort, epmdPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1'), await freePort('127.0.0.1')];
  const user = 'trove';
  const vhost = 'trove';
  const password = randomBytes(12).toString('hex');
  for (const d of ['home', 'mnesia', 'log']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'loopback_users = none',
      'log.console = false',
      'log.file.level = info',
      'vm_memory_high_watermark.absolute = 256MiB',
      'disk_free_limit.absolute = 50MB',
      `default_vhost = ${vhost}`,
      `default_user = ${user}`,
      `default_pass = ${password}`,
      'default_permissions.configure = .*',
      'default_permissions.read = .*',
      'default_permissions.write = .*',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const pidFile = join(dir, 'rabbitmq.pid');
  const env = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: 'gtest@localhost',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: pidFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const child = spawn(`${R}/rabbitmq-server`, [], { env, stdio: 'ignore', cwd: dir });
  const ctl = async (args: string[]) => (await run(`${R}/rabbitmqctl`, args, { env, timeout: 30_000, cwd: dir })).stdout;

  const stop = async () => {
    const beam = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
    if (Number.isInteger(beam) && beam > 0 && pidAlive(beam)) {
      process.kill(beam, 'SIGTERM');
      if (!(await waitGone(beam, 20_000))) process.kill(beam, 'SIGKILL');
    }
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitGone(child.pid, 5_000))) child.kill('SIGKILL');
    }
    for (const pid of ourEpmdPids(epmdPort)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, 5_000))) process.kill(pid, 'SIGKILL');
    }
  };

  // await_startup fails at once until the node is in epmd: retry, bounded.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`rabbitmq-server exited with ${child.exitCode}; see ${dir}/log`);
    }
    try {
      await ctl(['-q', 'await_startup', '--timeout', '10']);
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`RabbitMQ did not start within 90 s; see ${dir}/log`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const url = (ports: number[] = [port]) => `rabbit://${ports.map((p) => `${user}:${password}@127.0.0.1:${p}`).join(',')}/${vhost}`;
  return { port, vhost, user, password, url, ctl, stop };
}
