// What a suite made, undone in reverse order in its after() hook, whether the
// tests passed or not. Every undo runs even when an earlier one fails; the
// failures are reported together at the end, so the after hook fails (and the
// run with it) instead of leaving things behind silently.
import { step } from '../report/allure.ts';

interface Undo {
  what: string;
  run: () => Promise<void>;
  done: boolean;
}

export class Cleanup {
  private readonly undos: Undo[] = [];

  /** Registers an undo; returns a handle to run it early (its normal place in the test) exactly once. */
  add(what: string, run: () => Promise<void>): () => Promise<void> {
    const u: Undo = { what, run, done: false };
    this.undos.push(u);
    return async () => {
      if (u.done) return;
      await u.run();
      // Only a successful undo is done: a failed one is tried again by run().
      u.done = true;
    };
  }

  get pending(): string[] {
    return this.undos.filter((u) => !u.done).map((u) => u.what);
  }

  /** Runs every pending undo, newest first. */
  async run(): Promise<void> {
    const errors: string[] = [];
    for (const u of [...this.undos].reverse()) {
      if (u.done) continue;
      u.done = true;
      try {
        await step(`cleanup: ${u.what}`, u.run);
      } catch (e) {
        errors.push(`${u.what}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (errors.length) throw new Error(`cleanup left things behind (the leak audit will list them):\n- ${errors.join('\n- ')}`);
  }
}
