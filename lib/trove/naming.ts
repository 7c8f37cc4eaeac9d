// Names of everything a run creates. Each carries the run id (or, where the
// datastore limits the length, its compact tag), so parallel runs never
// collide and the leak audit can attribute leftovers to the run that made them.

export const NAME_PREFIX = 'trove-ha';

/** e.g. trove-ha-20261122-031500-a3f9-instance: for instances, backups, configuration groups, datastores. */
export function resourceName(runId: string, what: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(what)) throw new Error(`resource name part "${what}": use lower-case letters, digits and dashes`);
  return `${NAME_PREFIX}-${runId}-${what}`;
}

/**
 * The run id without its date and dashes (031500a3f9 for 20261122-031500-a3f9):
 * MySQL user names in Trove are at most 16 characters, so SQL names carry this.
 */
export function runTag(runId: string): string {
  const m = /^\d{8}-(\d{6})-([0-9a-f]{4})$/.exec(runId);
  if (!m) throw new Error(`run id ${runId}: expected the form 20261121-231501-a3f9`);
  return `${m[1]}${m[2]}`;
}

/** A database or user name: <what>_<run tag>, at most 16 characters (Trove's MySQL user name limit). */
export function sqlName(runId: string, what: string): string {
  if (!/^[a-z][a-z0-9]*$/.test(what)) throw new Error(`SQL name part "${what}": use lower-case letters and digits, starting with a letter`);
  const name = `${what}_${runTag(runId)}`;
  if (name.length > 16) throw new Error(`SQL name ${name} is longer than 16 characters (Trove's MySQL user name limit); shorten "${what}" to ${16 - 11} characters or fewer`);
  return name;
}

/** Does this name belong to the run (full run id, or its tag in a SQL name)? */
export function carriesRunId(name: string | null | undefined, runId: string): boolean {
  if (!name) return false;
  return name.includes(runId) || name.endsWith(`_${runTag(runId)}`);
}

/** Does this name look like any harness run's (for reporting other runs' leftovers)? */
export function harnessRunIdIn(name: string | null | undefined): string | undefined {
  return name ? /\b(\d{8}-\d{6}-[0-9a-f]{4})\b/.exec(name)?.[1] : undefined;
}
