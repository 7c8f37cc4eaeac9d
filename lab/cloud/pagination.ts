// Marker/limit paging shared by the APIs: the page after `marker` (exclusive),
// at most `limit` long. novaclient and trove-api page with ?marker=<last id>
// until a page comes back empty, so a marker must move forward or they loop.
export interface Page<T> {
  items: T[];
  /** Marker for the next page when this one is full (links "next"). */
  next?: string;
}

export class MarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`marker [${marker}] not found`);
  }
}

export function paginate<T>(items: T[], idOf: (t: T) => string, marker?: string | null, limit?: number): Page<T> {
  let start = 0;
  if (marker) {
    const i = items.findIndex((t) => idOf(t) === marker);
    if (i < 0) throw new MarkerNotFound(marker);
    start = i + 1;
  }
  const end = limit !== undefined && limit >= 0 ? start + limit : items.length;
  const page = items.slice(start, end);
  const last = page[page.length - 1];
  return limit !== undefined && page.length === limit && end < items.length && last !== undefined ? { items: page, next: idOf(last) } : { items: page };
}

/** ?limit= as an integer, or a 400-worthy message. */
export function parseLimit(raw: string | null, max = 1000): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new RangeError(`limit must be a non-negative integer, got ${raw}`);
  return Math.min(Number(raw), max);
}
