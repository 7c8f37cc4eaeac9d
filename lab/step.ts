// A lab step: one component of the lab, idempotent. `lab up` runs the steps in
// order, skipping those whose check() already holds; `lab down` runs
// teardown() in reverse order.

export interface StepContext {
  /** Progress line for the operator ("galera: ctl2 joined (SST 4.4 s)"). */
  progress(message: string): void;
  /** This step's log file; commands' output goes here, and a failure names it. */
  logFile: string;
}

export interface LabStep {
  name: string;
  /** True when the component is already up and healthy: `lab up` then changes nothing. */
  check(ctx: StepContext): Promise<boolean>;
  apply(ctx: StepContext): Promise<void>;
  /** Remove everything the step made, by PID; must succeed on a half-built lab. */
  teardown(ctx: StepContext): Promise<void>;
  /** One line per component for `lab status`. */
  status?(ctx: StepContext): Promise<string[]>;
}
