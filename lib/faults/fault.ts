// A fault (os-faults vocabulary): describe it, prepare it (read what it needs
// from the site and decide its inverse, changing nothing), inject it, heal it.
// heal() applies exactly the inverse that prepare() returned, through the same
// code `trove-ha heal` uses on a journal entry, so the two cannot drift apart.
import { randomBytes } from 'node:crypto';
import type { Inverse } from './journal.ts';
import { applyInverse } from './apply-inverse.ts';
import type { FaultContext } from './context.ts';
import { describeInverse, type InverseAction } from './inverse.ts';

export interface Fault {
  /** Unique per fault; the journal id and the iptables/toxic tag. */
  readonly id: string;
  /** e.g. "kill-service", "fail-keepalived-master". */
  readonly kind: string;
  /** e.g. "trove-conductor on ctl2", "VIP trove-mgmt1". */
  readonly target: string;
  describe(): string;
  /** Reads the site (current VIP holder, pids) and returns the inverse; changes nothing. */
  prepare(): Promise<Inverse>;
  inject(): Promise<void>;
  /** Applies the prepared inverse; idempotent. */
  heal(): Promise<void>;
  /** What prepare() found (e.g. { holder: 'ha1' }), for reports and checkers. */
  facts(): Record<string, string | number | number[]>;
}

/** A fault precondition does not hold (e.g. the VIP has no single holder): nothing was changed. */
export class FaultPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultPreconditionError';
  }
}

export function newFaultId(kind: string): string {
  // Time first so ids sort by creation; random suffix for two faults in one ms.
  return `${kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface Prepared {
  action: InverseAction;
  facts?: Record<string, string | number | number[]>;
  /** Runs the fault; may use what prepare found. */
  inject: () => Promise<void>;
}

export interface FaultSpec {
  kind: string;
  target: string;
  description: string;
  prepare: () => Promise<Prepared>;
}

export function defineFault(ctx: FaultContext, spec: FaultSpec, id = newFaultId(spec.kind)): Fault {
  let prepared: Prepared | undefined;
  const need = (what: string): Prepared => {
    if (!prepared) throw new Error(`fault ${id} (${spec.description}): ${what} before prepare()`);
    return prepared;
  };
  return {
    id,
    kind: spec.kind,
    target: spec.target,
    describe: () => spec.description,
    async prepare() {
      prepared = await spec.prepare();
      return { description: describeInverse(prepared.action), action: prepared.action };
    },
    // async: a synchronous throw (e.g. a ConfigError) becomes a rejection like any other failure.
    inject: async () => need('inject()').inject(),
    heal: async () => applyInverse(ctx, need('heal()').action),
    facts: () => ({ ...prepared?.facts }),
  };
}
