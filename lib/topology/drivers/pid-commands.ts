// Shell snippets shared by drivers that signal a process by its pid.
import { shellQuote } from '../../remote/shell-quote.ts';
import type { Signal } from '../service-driver.ts';

/** Exit status of a kill command whose target does not run; ServiceControl reports it as "not running". */
export const NOT_RUNNING_EXIT = 3;

/**
 * Reads a pid with `pidCommand`, refuses anything that is not a positive
 * number (empty, 0, an error message), then signals it.
 */
export function killPid(pidCommand: string, what: string, signal: Signal): string {
  return [
    `pid=$(${pidCommand})`,
    `case "$pid" in ''|0|*[!0-9]*) echo ${shellQuote(`${what} is not running`)}" (pid: $pid)" >&2; exit ${NOT_RUNNING_EXIT};; esac`,
    `kill -s ${signal} "$pid"`,
  ].join('; ');
}

/** First line of a pid file, digits only; nothing if the file is missing. */
export function readPidFile(pidFile: string): string {
  return `head -n 1 ${shellQuote(pidFile)} 2>/dev/null | tr -dc 0-9`;
}

/** The oldest process whose name is exactly `name` (the parent of any workers). */
export function oldestProcessNamed(name: string): string {
  return `pgrep -o -x ${shellQuote(name)}`;
}
