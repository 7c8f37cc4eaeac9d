// The SSH executor: one lazily opened connection per node, shared by every
// command to that node (each in its own channel), opened again after it drops.
// The caller creates a Remote and closes it; there is no global pool.
import type { Client } from 'ssh2';
import type { Environment } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import { redact } from '../env/secrets.ts';
import { ChannelLimit } from './channel-limit.ts';
import { newMarker } from './command-marker.ts';
import { RemoteCommandError, RemoteError } from './errors.ts';
import { resolveNodeTarget } from './node-target.ts';
import { openConnection } from './open-connection.ts';
import { openTunnel } from './open-tunnel.ts';
import { runCommand } from './run-command.ts';
import type { CommandEvent, CommandResult, ExecOptions, RemoteExecutor } from './types.ts';

export interface RemoteOptions {
  /** Told of every command's start and end; its errors are ignored (a report must not break a run). */
  onCommand?: (event: CommandEvent) => void;
  /** Concurrent channels per connection; more wait. Default 8, under OpenSSH's MaxSessions 10. */
  maxChannelsPerNode?: number;
  /** SSH keepalive period; three missed replies drop the connection. Default 10 s. */
  keepaliveIntervalMs?: number;
}

export class Remote implements RemoteExecutor {
  private readonly connections = new Map<string, Promise<Client>>();
  private readonly limits = new Map<string, ChannelLimit>();
  private readonly opened = new Map<string, number>();
  private commandIds = 0;
  private closed = false;

  constructor(
    private readonly env: Environment,
    private readonly options: RemoteOptions = {},
  ) {}

  async exec(node: string, command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const secrets = options.secrets ?? [];
    const shownCommand = redact(command, secrets);
    const id = ++this.commandIds;
    const startedAt = new Date();
    const started = performance.now();
    this.emit({ phase: 'start', id, node, command: shownCommand, startedAt });
    const end = (fields: { result?: CommandResult; error?: Error }) =>
      this.emit({ phase: 'end', id, node, command: shownCommand, startedAt, durationMs: performance.now() - started, ...fields });
    try {
      if (this.closed) throw new RemoteError(`node ${node}: this Remote is closed; create a new one`, node);
      const timeoutMs = options.timeoutMs ?? this.env.timeouts.sshCommandMs;
      const client = await this.connection(node);
      const release = await this.limit(node).acquire();
      let outcome;
      try {
        outcome = await runCommand(client, { node, command, shownCommand, timeoutMs, input: options.input, marker: newMarker() });
      } finally {
        release();
      }
      const result: CommandResult = { node, command, ...outcome, durationMs: Math.round(performance.now() - started) };
      const shown = { ...result, command: shownCommand, stdout: redact(result.stdout, secrets), stderr: redact(result.stderr, secrets) };
      if (result.code !== 0 && !options.allowFail) {
        const failure = new RemoteCommandError(shown);
        // The report keeps the exit code of a failed command, not only the message.
        end({ result: shown, error: failure });
        throw failure;
      }
      end({ result: shown });
      return result;
    } catch (error) {
      if (!(error instanceof RemoteCommandError)) end({ error: error as Error });
      throw error;
    }
  }

  /** How many SSH connections were opened to a node (or to all nodes) so far; reconnects count. */
  connectionsOpened(node?: string): number {
    if (node !== undefined) return this.opened.get(node) ?? 0;
    return [...this.opened.values()].reduce((a, b) => a + b, 0);
  }

  /** Ends every connection; commands still running fail with RemoteConnectionLostError. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.connections.values()];
    this.connections.clear();
    const clients = (await Promise.allSettled(pending)).flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await Promise.all(clients.map(endGracefully));
  }

  private connection(node: string, via: readonly string[] = []): Promise<Client> {
    const existing = this.connections.get(node);
    if (existing) return existing;
    // Only this attempt may remove itself: a newer connection must survive an old one's close.
    const forget = () => {
      if (this.connections.get(node) === opening) this.connections.delete(node);
    };
    const opening = this.open(node, via, forget);
    this.connections.set(node, opening);
    // A failed attempt is not cached: the next command tries again.
    opening.catch(forget);
    return opening;
  }

  private async open(node: string, via: readonly string[], onClose: () => void): Promise<Client> {
    const target = resolveNodeTarget(this.env, node);
    const timeoutMs = this.env.timeouts.sshConnectMs;
    let sock;
    if (target.jumpHost) {
      if (via.includes(target.jumpHost) || target.jumpHost === node) {
        throw new ConfigError(`nodes.${node}.ssh.jumpHost: jump hosts form a loop (${[...via, node, target.jumpHost].join(' -> ')}); one node on the path must be reachable directly`);
      }
      const jump = await this.connection(target.jumpHost, [...via, node]);
      sock = await openTunnel(jump, target.jumpHost, target, timeoutMs);
    }
    const client = await openConnection(target, {
      timeoutMs,
      sock,
      keepaliveIntervalMs: this.options.keepaliveIntervalMs ?? 10_000,
      onClose,
    });
    this.opened.set(node, (this.opened.get(node) ?? 0) + 1);
    return client;
  }

  private limit(node: string): ChannelLimit {
    let limit = this.limits.get(node);
    if (!limit) this.limits.set(node, (limit = new ChannelLimit(this.options.maxChannelsPerNode ?? 8)));
    return limit;
  }

  private emit(event: CommandEvent): void {
    try {
      this.options.onCommand?.(event);
    } catch {
      // A broken report hook must not turn a passing command into a failure.
    }
  }
}

function endGracefully(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}
