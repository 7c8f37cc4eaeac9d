// Runs one command on an open connection, in its own channel, with a deadline.
import type { Client, ClientChannel } from 'ssh2';
import { killMarkedCommand, markCommand, newMarker } from './command-marker.ts';
import { RemoteConnectionLostError, RemoteError, RemoteTimeoutError } from './errors.ts';

export interface CommandSpec {
  node: string;
  command: string;
  timeoutMs: number;
  input?: string | Buffer;
  /** The command text for messages (secrets masked). */
  shownCommand: string;
  /** Unique per command, to find its processes after a timeout (see command-marker.ts). */
  marker: string;
}

// Finding and killing a few processes takes milliseconds; more means the node is in trouble.
const KILL_TIMEOUT_MS = 5000;

export interface CommandOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export function runCommand(client: Client, spec: CommandSpec): Promise<CommandOutcome> {
  const { node, shownCommand } = spec;
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let channel: ClientChannel | undefined;
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    // The deadline starts before the channel is requested: on a half-dead
    // connection the request itself can hang until keepalives give up.
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const partial = [text(stdout), text(stderr)] as const;
      void stop(client, channel, spec).then((what) => reject(new RemoteTimeoutError(node, shownCommand, spec.timeoutMs, what, ...partial)));
    }, spec.timeoutMs);

    const opened = (error: Error | undefined, stream: ClientChannel) => {
      if (error) return settle(() => reject(new RemoteError(`node ${node}: could not open a channel for: ${shownCommand}: ${error.message}`, node)));
      // Timed out while the channel was being opened: the kill may have missed it, so close it now.
      if (settled) return stream.close();
      channel = stream;
      let exit: { code: number | null; signal: string | null } | undefined;
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null, signal?: string) => {
        // ssh2 reports "SIGKILL"; we speak the names kill -s takes ("KILL").
        exit = { code: code ?? null, signal: signal ? signal.replace(/^SIG/, '') : null };
      });
      stream.on('close', () => {
        if (exit) {
          const done = exit;
          settle(() => resolve({ ...done, stdout: text(stdout), stderr: text(stderr) }));
        } else {
          settle(() => reject(new RemoteConnectionLostError(`node ${node}: the SSH channel closed before the command reported an exit status (connection lost?); its outcome is unknown: ${shownCommand}`, node)));
        }
      });
      // Always close stdin, so a command that reads it does not wait forever.
      stream.end(spec.input ?? '');
    };
    try {
      client.exec(markCommand(spec.command, spec.marker), opened);
    } catch (error) {
      settle(() => reject(new RemoteConnectionLostError(`node ${node}: cannot run command, connection is gone (${(error as Error).message}): ${shownCommand}`, node)));
    }
  });
}

/** Closes the channel and kills what the command left running; says what happened, for the error. */
async function stop(client: Client, channel: ClientChannel | undefined, spec: CommandSpec): Promise<string> {
  channel?.close();
  try {
    const outcome = await runCommand(client, {
      node: spec.node,
      command: killMarkedCommand(spec.marker),
      shownCommand: 'kill the timed-out command',
      marker: newMarker(),
      timeoutMs: KILL_TIMEOUT_MS,
    });
    const pids = outcome.stdout.split('\n').filter(Boolean);
    return pids.length > 0 ? `closed its channel and killed its processes (pid ${pids.join(', ')})` : 'closed its channel; no process of it was left';
  } catch (error) {
    return `closed its channel; could not kill its processes, they may still run: ${(error as Error).message}`;
  }
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8');
}
