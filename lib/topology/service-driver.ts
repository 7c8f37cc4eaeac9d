// The small vocabulary every service-control driver speaks (os-faults style):
// start, stop, restart, kill with a signal, status. Drivers only build shell
// commands and read their output; running them is ServiceControl's job, so
// each driver is tested without a node.
import type { ControlDriver } from '../env/schema.ts';

/** Signals the harness sends to services: crash (KILL), graceful (TERM), freeze/thaw (STOP/CONT), reload (HUP). */
export const SIGNALS = ['KILL', 'TERM', 'INT', 'QUIT', 'HUP', 'STOP', 'CONT', 'USR1', 'USR2', 'ABRT'] as const;
export type Signal = (typeof SIGNALS)[number];

export function isSignal(value: string): value is Signal {
  return (SIGNALS as readonly string[]).includes(value);
}

/** One service instance on one node, as the environment file describes it. */
export interface ServiceInstanceRef {
  node: string;
  /** systemd unit, supervisor program, pacemaker resource, or process name. */
  unit: string;
  pidFile?: string;
}

export interface ServiceStatus {
  running: boolean;
  /** The main process, when the driver knows it and the service runs. */
  mainPid: number | null;
  /** The driver's own word for the state, for messages: RUNNING, FATAL, active/running, ... */
  state: string;
}

/** What a status command printed. */
export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ServiceDriver {
  readonly name: ControlDriver;
  start(instance: ServiceInstanceRef): string;
  stop(instance: ServiceInstanceRef): string;
  restart(instance: ServiceInstanceRef): string;
  /** Sends `signal` to the service's main process; fails (non-zero exit) if it does not run. */
  kill(instance: ServiceInstanceRef, signal: Signal): string;
  /** A command whose output parseStatus reads; it may exit non-zero for a stopped service. */
  status(instance: ServiceInstanceRef): string;
  /** Throws ServiceStatusError when the output does not say running or stopped (unknown unit, daemon down). */
  parseStatus(instance: ServiceInstanceRef, output: CommandOutput): ServiceStatus;
}

/** A status command's output that does not tell running from stopped. */
export class ServiceStatusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceStatusError';
  }
}

/** The driver cannot do this operation at all (e.g. the signal driver cannot start a process). */
export class UnsupportedOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOperationError';
  }
}

/** The first lines of some output, for an error message. */
export function excerpt(output: CommandOutput, maxChars = 300): string {
  const text = `${output.stdout}${output.stderr}`.trim();
  if (!text) return `no output, exit code ${output.code}`;
  return `${text.length > maxChars ? `${text.slice(0, maxChars)}…` : text} (exit code ${output.code})`;
}
