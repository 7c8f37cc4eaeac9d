// A RemoteExecutor that records every command and answers from a script, as
// the nodes would; `beforeExec` lets a test look at the world (e.g. the fault
// journal) at the very moment a command is sent.
import { RemoteCommandError } from '../../lib/remote/errors.ts';
import type { CommandResult, ExecOptions, RemoteExecutor } from '../../lib/remote/types.ts';

export interface RecordedCall {
  node: string;
  command: string;
  options?: ExecOptions;
}

export type Answer = Partial<Pick<CommandResult, 'code' | 'stdout' | 'stderr'>> | Error;

export class RecordingRemote implements RemoteExecutor {
  readonly calls: RecordedCall[] = [];
  beforeExec?: (call: RecordedCall) => void;

  constructor(private readonly answer: (node: string, command: string) => Answer = () => ({})) {}

  async exec(node: string, command: string, options?: ExecOptions): Promise<CommandResult> {
    const call = { node, command, ...(options ? { options } : {}) };
    this.calls.push(call);
    this.beforeExec?.(call);
    const a = this.answer(node, command);
    if (a instanceof Error) throw a;
    const result: CommandResult = { node, command, code: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...a };
    if (result.code !== 0 && !options?.allowFail) throw new RemoteCommandError(result);
    return result;
  }

  commands(node?: string): string[] {
    return this.calls.filter((c) => node === undefined || c.node === node).map((c) => c.command);
  }
}
