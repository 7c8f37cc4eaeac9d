// Finding a service's endpoint in a Keystone v3 catalog. A miss is a
// configuration problem on the site (or a wrong region/interface in the
// environment file), so the error lists what the catalog does offer.
import type { EndpointInterface, KeystoneCatalogService } from './keystone-types.ts';

export interface EndpointQuery {
  serviceType: string;
  interface: EndpointInterface;
  region: string;
}

export class CatalogError extends Error {
  constructor(
    message: string,
    readonly query: EndpointQuery,
  ) {
    super(message);
    this.name = 'CatalogError';
  }
}

export function findEndpoint(catalog: KeystoneCatalogService[], query: EndpointQuery, projectId: string): string {
  for (const service of catalog) {
    if (service.type !== query.serviceType) continue;
    for (const ep of service.endpoints) {
      if (ep.interface === query.interface && (ep.region_id ?? ep.region) === query.region) {
        return substituteProject(ep.url, projectId);
      }
    }
  }
  throw new CatalogError(
    `no ${query.interface} endpoint of service type "${query.serviceType}" in region ${query.region} in the Keystone catalog; ` +
      `the catalog has: ${describeCatalog(catalog)}. Check keystone.region and keystone.interface in the environment file, ` +
      `or register the endpoint (openstack endpoint create --region ${query.region} ${query.serviceType} ${query.interface} <url>)`,
    query,
  );
}

/** "compute (public@RegionOne, internal@RegionOne), identity (...)" */
export function describeCatalog(catalog: KeystoneCatalogService[]): string {
  if (catalog.length === 0) return 'nothing (is the token scoped to a project?)';
  return catalog
    .map((s) => {
      const eps = s.endpoints.map((e) => `${e.interface}@${e.region_id ?? e.region ?? 'no region'}`);
      return `${s.type}${s.name ? ` "${s.name}"` : ''} (${eps.join(', ') || 'no endpoints'})`;
    })
    .join(', ');
}

// Keystone already substitutes %(tenant_id)s and %(project_id)s in the catalog
// of a project-scoped token (keystone/catalog/backends/sql.py, get_v3_catalog,
// drops endpoints it cannot format). This is a guard for catalogs that come
// from elsewhere (a proxy, a stand-in): an unsubstituted URL would silently hit
// a path with a literal "%(tenant_id)s" in it.
function substituteProject(url: string, projectId: string): string {
  return url.replace(/[%$]\((tenant_id|project_id)\)s/g, projectId);
}

/** base + path with exactly one slash between them; path may be empty. */
export function joinUrl(base: string, path: string): string {
  if (!path) return base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
