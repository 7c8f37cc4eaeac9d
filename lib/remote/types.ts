// The executor's vocabulary, shared by the SSH pool and by anything that runs
// commands on nodes (service control, checks) so those can be tested with a fake.

export interface ExecOptions {
  /**
   * Limit from asking for the command's channel to its exit; default: the
   * environment's timeouts.sshCommandMs. Connecting has its own limit
   * (timeouts.sshConnectMs). On timeout the command's processes are killed.
   */
  timeoutMs?: number;
  /** Written to the command's stdin, then stdin is closed. Use it for secrets instead of the command line. */
  input?: string | Buffer;
  /** Return a non-zero exit (or death by signal) as a result instead of throwing RemoteCommandError. */
  allowFail?: boolean;
  /** Values masked as *** in error messages and onCommand events (the result itself is returned as is). */
  secrets?: readonly string[];
}

export interface CommandResult {
  node: string;
  command: string;
  /** Exit status; null when the command died from a signal. */
  code: number | null;
  /** Signal name (e.g. KILL) when the command died from a signal, else null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Anything that can run a shell command on a named node. */
export interface RemoteExecutor {
  exec(node: string, command: string, options?: ExecOptions): Promise<CommandResult>;
}

/** Start and end of every command, so a report can attach command summaries. */
export type CommandEvent =
  | { phase: 'start'; id: number; node: string; command: string; startedAt: Date }
  | {
      phase: 'end';
      id: number;
      node: string;
      command: string;
      startedAt: Date;
      durationMs: number;
      /** Present when the command ran to an exit (including a non-zero one). */
      result?: CommandResult;
      /** Present when exec threw (timeout, connection, non-zero exit without allowFail). */
      error?: Error;
    };
