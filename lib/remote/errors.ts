// Errors of the SSH executor. Each names the node and, where one ran, the
// command, so a failed scenario step reads without a debugger.
import type { CommandResult } from './types.ts';

export class RemoteError extends Error {
  constructor(
    message: string,
    readonly node: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The node presented a host key we cannot vouch for: never accepted silently. */
export class HostKeyRefusedError extends RemoteError {
  constructor(
    node: string,
    readonly address: string,
    readonly port: number,
    readonly presentedFingerprint: string,
    readonly reason: string,
  ) {
    super(`node ${node} (${address}:${port}) presented host key ${presentedFingerprint}, which is refused: ${reason}`, node);
  }
}

/** No SSH session could be established (network, timeout, authentication). */
export class RemoteConnectError extends RemoteError {}

/** The SSH connection ended while a command was running; its outcome is unknown. */
export class RemoteConnectionLostError extends RemoteError {}

export class RemoteTimeoutError extends RemoteError {
  constructor(
    node: string,
    readonly command: string,
    readonly timeoutMs: number,
    /** What was done about it: channel closed, processes killed (or why not). */
    readonly cleanup: string,
    /** Output received before the timeout. */
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`node ${node}: command timed out after ${timeoutMs} ms; ${cleanup}: ${command}${tail(stderr)}`, node);
  }
}

/** The command ran and exited non-zero (or died from a signal). */
export class RemoteCommandError extends RemoteError {
  constructor(readonly result: CommandResult) {
    const how = result.signal ? `was killed by signal ${result.signal}` : `exited with code ${result.code}`;
    // Some tools (supervisorctl, systemctl is-active) report failures on stdout.
    const said = result.stderr.trim() ? tail(result.stderr) : tail(result.stdout, 10, 2000, 'stdout');
    super(`node ${result.node}: command ${how}: ${result.command}${said}`, result.node);
  }
}

/** The last lines of a command's stderr (or stdout), for an error message. */
export function tail(output: string, maxLines = 10, maxChars = 2000, stream = 'stderr'): string {
  const lines = output.trimEnd().split('\n');
  let text = lines.slice(-maxLines).join('\n');
  if (text.length > maxChars) text = `…${text.slice(-maxChars)}`;
  return text ? `\n--- ${stream} (last ${Math.min(lines.length, maxLines)} lines) ---\n${text}` : '';
}
