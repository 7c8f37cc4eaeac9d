// Exit codes, as documented in the README: 0 all passed, 1 test failures,
// 2 usage or configuration error (nothing was done), 3 the harness or the site
// failed outside any test (e.g. report generation, lab build).
import { ConfigError } from '../lib/env/errors.ts';

export const EXIT = { ok: 0, testFailures: 1, config: 2, failure: 3 } as const;

export function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
    process.exit(EXIT.config);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`error: ${e.message}\n`);
  if (process.env.TROVE_HA_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exit(EXIT.failure);
}

/** Wrap a command action so every error leaves through fail(). */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? EXIT.ok;
    } catch (err) {
      fail(err);
    }
  };
}
