// A RemoteExecutor whose every "node" is this machine: the command runs in
// bash, as it would in the node's login shell over SSH. For testing remote
// loops and shell snippets for real, on loopback, without SSH.
import { spawn } from 'node:child_process';
import { RemoteCommandError } from '../../lib/remote/errors.ts';
import type { CommandResult, ExecOptions, RemoteExecutor } from '../../lib/remote/types.ts';

export class LocalExecutor implements RemoteExecutor {
  readonly commands: string[] = [];

  exec(node: string, command: string, options: ExecOptions = {}): Promise<CommandResult> {
    this.commands.push(command);
    const started = performance.now();
    // Own process group, so a timeout ends the command's children too (by our child's pid).
    const child = spawn('bash', ['-c', command], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A command that never reads stdin may exit first: EPIPE here is not its failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
        reject(new Error(`node ${node}: command timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const result: CommandResult = { node, command, code, signal, stdout, stderr, durationMs: Math.round(performance.now() - started) };
        if (code !== 0 && !options.allowFail) reject(new RemoteCommandError(result));
        else resolve(result);
      });
    });
  }
}
