// Neutron list semantics: any attribute is a filter (repeat a key for OR),
// `fields` picks attributes, `limit`/`marker` page with a "<collection>_links"
// next link, `fixed_ips=subnet_id=X` / `ip_address=Y` match inside ports.
import { badRequest } from '../errors.ts';
import { MarkerNotFound, paginate, parseLimit } from '../pagination.ts';
import type { NeutronResource } from '../model.ts';
import type { Identity } from '../auth.ts';

const CONTROL = new Set(['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export function matchesFilters(r: NeutronResource, q: URLSearchParams): boolean {
  for (const key of new Set(q.keys())) {
    if (CONTROL.has(key)) continue;
    const wanted = q.getAll(key);
    if (key === 'fixed_ips') {
      if (!matchFixedIps(r, wanted)) return false;
      continue;
    }
    if (!(key in r)) continue; // Neutron ignores filters on attributes a resource lacks
    const have = r[key];
    if (!wanted.some((w) => same(have, w))) return false;
  }
  const tags = (r.tags as string[] | undefined) ?? [];
  const all = q.getAll('tags').flatMap((t) => t.split(','));
  if (all.length && !all.every((t) => tags.includes(t))) return false;
  const any = q.getAll('tags-any').flatMap((t) => t.split(','));
  if (any.length && !any.some((t) => tags.includes(t))) return false;
  return true;
}

function same(have: unknown, wanted: string): boolean {
  if (typeof have === 'boolean') return have === /^(true|1)$/i.test(wanted);
  if (have === null) return wanted === '' || wanted.toLowerCase() === 'none';
  if (Array.isArray(have)) return have.map(String).includes(wanted);
  return String(have) === wanted;
}

function matchFixedIps(r: NeutronResource, wanted: string[]): boolean {
  const ips = (r.fixed_ips as { subnet_id: string; ip_address: string }[] | undefined) ?? [];
  return wanted.every((w) => {
    const [k, v] = w.split('=', 2);
    if (k === 'subnet_id') return ips.some((i) => i.subnet_id === v);
    if (k === 'ip_address') return ips.some((i) => i.ip_address === v);
    if (k === 'ip_address_substr') return ips.some((i) => i.ip_address.includes(v ?? ''));
    return true;
  });
}

export function selectFields(r: NeutronResource, q: URLSearchParams): Record<string, unknown> {
  const fields = q.getAll('fields').flatMap((f) => f.split(','));
  if (!fields.length) return r;
  return Object.fromEntries(fields.filter((f) => f in r).map((f) => [f, r[f]]));
}

/** The body of GET /v2.0/<collection>. */
export function listBody(collection: string, items: NeutronResource[], q: URLSearchParams, baseUrl: string): Record<string, unknown> {
  let filtered = items.filter((r) => matchesFilters(r, q));
  const sortKey = q.get('sort_key');
  if (sortKey) {
    const dir = q.get('sort_dir') === 'desc' ? -1 : 1;
    filtered = [...filtered].sort((a, b) => dir * String(a[sortKey] ?? '').localeCompare(String(b[sortKey] ?? '')));
  }
  let limit: number | undefined;
  try {
    limit = parseLimit(q.get('limit'));
  } catch (e) {
    throw badRequest(`Bad limit request: ${(e as Error).message}.`);
  }
  let page;
  try {
    page = paginate(filtered, (r) => r.id, q.get('marker'), limit);
  } catch (e) {
    if (e instanceof MarkerNotFound) throw badRequest(`Bad ${collection} request: marker ${e.marker} not found.`);
    throw e;
  }
  const body: Record<string, unknown> = { [collection]: page.items.map((r) => selectFields(r, q)) };
  if (page.next) {
    const next = new URLSearchParams(q);
    next.set('marker', page.next);
    body[`${collection}_links`] = [{ rel: 'next', href: `${baseUrl}/v2.0/${collection.replace(/_/g, '-')}?${next.toString()}` }];
  }
  return body;
}

/** Neutron's default policy: admins see everything, others their own (plus what `shared` opens). */
export function ownedOrAdmin(r: NeutronResource, who: Identity): boolean {
  return who.isAdmin || r.project_id === who.projectId;
}
