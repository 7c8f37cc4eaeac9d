// What an ensure-helper did (or, in a dry run, would do) to one object. Every
// helper reads first and records exactly one entry per object it owns, so a
// second run over an unchanged site records only "unchanged".
export type ChangeAction = 'create' | 'update' | 'unchanged' | 'drift';

export interface Change {
  action: ChangeAction;
  /** The object, named the way an operator would look it up: "port ha1-trove-mgmt1". */
  object: string;
  /** What differs or what was done; for "drift", what the helper will not fix and why. */
  detail?: string;
}

export interface EnsureContext {
  /** Read everything, change nothing: the recorded changes are the plan. */
  dryRun: boolean;
  record(change: Change): void;
}

/** A stand-in id for an object a dry run would create (nothing can exist under it yet). */
export const PLANNED = 'planned:';
export const planned = (what: string): string => `${PLANNED}${what}`;
export const isPlanned = (id: string): boolean => id.startsWith(PLANNED);

export function changeContext(dryRun: boolean, onChange?: (c: Change) => void): EnsureContext & { changes: Change[] } {
  const changes: Change[] = [];
  return {
    dryRun,
    changes,
    record(c) {
      changes.push(c);
      onChange?.(c);
    },
  };
}

export function countChanges(changes: Change[]): Record<ChangeAction, number> {
  const out: Record<ChangeAction, number> = { create: 0, update: 0, unchanged: 0, drift: 0 };
  for (const c of changes) out[c.action]++;
  return out;
}

export function formatChange(c: Change, dryRun: boolean): string {
  const verb = dryRun ? { create: 'would create', update: 'would update', unchanged: 'unchanged', drift: 'DRIFT' }[c.action] : { create: 'created', update: 'updated', unchanged: 'unchanged', drift: 'DRIFT' }[c.action];
  // One change, one line: a detail that quotes a tool's multi-line output is folded.
  const detail = c.detail?.trim().replace(/\s*\n\s*/g, ' | ');
  return `${verb.padEnd(12)} ${c.object}${detail ? `: ${detail}` : ''}`;
}
