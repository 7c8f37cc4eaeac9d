// Nova flavors: admin create/delete, list (summary and detail, is_public
// filter, marker paging), show, extra specs, flavor access; the view follows
// the microversion (swap "" before 2.75, description 2.55, extra_specs 2.61).
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { uuid } from '../ids.ts';
import { envelope, isObj, optBool, optInt, optNumber, optString, stringMap } from '../input.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { CloudState, FlavorRecord } from '../model.ts';
import { MarkerNotFound, paginate, parseLimit } from '../pagination.ts';
import { empty, json, type RequestContext, type Router } from '../router.ts';
import { links } from './links.ts';

export function flavorView(f: FlavorRecord, v: Microversion, baseUrl: string): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: f.id,
    name: f.name,
    ram: f.ram,
    vcpus: f.vcpus,
    disk: f.disk,
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': f.disabled,
    swap: atLeast(v, '2.75') ? f.swap : f.swap || '',
    rxtx_factor: f.rxtxFactor,
    'os-flavor-access:is_public': f.isPublic,
    links: links(baseUrl, 'flavors', f.id),
  };
  if (atLeast(v, '2.55')) view.description = f.description;
  if (atLeast(v, '2.61')) view.extra_specs = f.extraSpecs;
  return view;
}

export function findFlavor(s: CloudState, id: string, who: Identity): FlavorRecord {
  const f = s.flavors.find((x) => x.id === id);
  if (!f || !canSee(s, f, who)) throw notFound(`Flavor ${id} could not be found.`);
  return f;
}

function canSee(s: CloudState, f: FlavorRecord, who: Identity): boolean {
  return f.isPublic || who.isAdmin || (s.flavorAccess[f.id] ?? []).includes(who.projectId);
}

function requireAdmin(who: Identity, rule: string): void {
  if (!who.isAdmin) throw forbidden(`Policy doesn't allow ${rule} to be performed.`);
}

export function registerFlavors(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  const list = (detail: boolean) => (ctx: RequestContext) => {
    const who = ctx.identity;
    const q = ctx.query;
    // nova/api/openstack/compute/flavors.py: admins choose with is_public (absent = public only, 'none' = all).
    const raw = q.get('is_public');
    const isPublic = who.isAdmin ? (raw === null ? true : /^none$/i.test(raw) ? undefined : /^(true|1|yes|on)$/i.test(raw)) : undefined;
    let items = store.state.flavors.filter((f) => (isPublic === undefined ? canSee(store.state, f, who) : f.isPublic === isPublic || (!who.isAdmin && canSee(store.state, f, who) && !f.isPublic)));
    if (!who.isAdmin) items = items.filter((f) => canSee(store.state, f, who) && !f.disabled);
    const minRam = Number(q.get('minRam') ?? 0);
    const minDisk = Number(q.get('minDisk') ?? 0);
    items = items.filter((f) => f.ram >= minRam && f.disk >= minDisk);
    const key = (q.get('sort_key') ?? 'flavorid') as string;
    const dir = q.get('sort_dir') === 'desc' ? -1 : 1;
    const field = (f: FlavorRecord): string | number => (key === 'flavorid' || key === 'id' ? f.id : ((f as unknown as Record<string, string | number>)[key] ?? f.id));
    items = [...items].sort((a, b) => {
      const x = field(a);
      const y = field(b);
      return dir * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
    });
    const page = pageOf(items, ctx);
    const body: Record<string, unknown> = {
      flavors: page.items.map((f) => (detail ? flavorView(f, ctx.microversion, ctx.baseUrl) : summary(f, ctx))),
    };
    if (page.next) body.flavors_links = [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/flavors${detail ? '/detail' : ''}?limit=${ctx.query.get('limit')}&marker=${page.next}` }];
    return json(200, body);
  };
  router.add('GET', '/v2.1/flavors', list(false));
  router.add('GET', '/v2.1/flavors/detail', list(true));
  router.add('GET', '/v2.1/flavors/:id', (ctx) => json(200, { flavor: flavorView(findFlavor(store.state, ctx.params.id!, ctx.identity), ctx.microversion, ctx.baseUrl) }));
  router.add('POST', '/v2.1/flavors', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-manage:create');
    const body = envelope(ctx.body, 'flavor');
    const f = store.mutate((s) => createFlavor(s, body, ctx.microversion));
    return json(200, { flavor: flavorView(f, ctx.microversion, ctx.baseUrl) });
  });
  router.add('PUT', '/v2.1/flavors/:id', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-manage:update');
    if (!atLeast(ctx.microversion, '2.55')) throw notFound('The resource could not be found.');
    const body = envelope(ctx.body, 'flavor');
    const f = store.mutate((s) => {
      const flavor = findFlavor(s, ctx.params.id!, ctx.identity);
      flavor.description = optString(body, 'description') ?? null;
      return flavor;
    });
    return json(200, { flavor: flavorView(f, ctx.microversion, ctx.baseUrl) });
  });
  router.add('DELETE', '/v2.1/flavors/:id', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-manage:delete');
    store.mutate((s) => {
      const f = findFlavor(s, ctx.params.id!, ctx.identity);
      s.flavors = s.flavors.filter((x) => x !== f);
      delete s.flavorAccess[f.id];
    });
    return empty(202);
  });

  router.add('GET', '/v2.1/flavors/:id/os-extra_specs', (ctx) => json(200, { extra_specs: findFlavor(store.state, ctx.params.id!, ctx.identity).extraSpecs }));
  router.add('GET', '/v2.1/flavors/:id/os-extra_specs/:key', (ctx) => {
    const f = findFlavor(store.state, ctx.params.id!, ctx.identity);
    const v = f.extraSpecs[ctx.params.key!];
    if (v === undefined) throw notFound(`Flavor ${f.id} has no extra specs with key ${ctx.params.key}.`);
    return json(200, { [ctx.params.key!]: v });
  });
  router.add('POST', '/v2.1/flavors/:id/os-extra_specs', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-extra-specs:create');
    const specs = stringMap(isObj(ctx.body) ? ctx.body : {}, 'extra_specs');
    if (!specs) throw badRequest("Invalid input for field/attribute extra_specs. 'extra_specs' is a required property");
    const f = store.mutate((s) => {
      const flavor = findFlavor(s, ctx.params.id!, ctx.identity);
      Object.assign(flavor.extraSpecs, specs);
      return flavor;
    });
    return json(200, { extra_specs: f.extraSpecs });
  });
  router.add('PUT', '/v2.1/flavors/:id/os-extra_specs/:key', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-extra-specs:update');
    const b = isObj(ctx.body) ? ctx.body : {};
    const key = ctx.params.key!;
    if (typeof b[key] !== 'string' || Object.keys(b).length !== 1) throw badRequest('Request body and URI mismatch');
    store.mutate((s) => {
      findFlavor(s, ctx.params.id!, ctx.identity).extraSpecs[key] = b[key] as string;
    });
    return json(200, { [key]: b[key] });
  });
  router.add('DELETE', '/v2.1/flavors/:id/os-extra_specs/:key', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-extra-specs:delete');
    store.mutate((s) => {
      const f = findFlavor(s, ctx.params.id!, ctx.identity);
      if (!(ctx.params.key! in f.extraSpecs)) throw notFound(`Flavor ${f.id} has no extra specs with key ${ctx.params.key}.`);
      delete f.extraSpecs[ctx.params.key!];
    });
    return empty(202);
  });
  router.add('GET', '/v2.1/flavors/:id/os-flavor-access', (ctx) => {
    const f = findFlavor(store.state, ctx.params.id!, ctx.identity);
    if (f.isPublic) throw notFound('Access list not available for public flavors.');
    return json(200, { flavor_access: (store.state.flavorAccess[f.id] ?? []).map((p) => ({ flavor_id: f.id, tenant_id: p })) });
  });
  router.add('POST', '/v2.1/flavors/:id/action', (ctx) => {
    requireAdmin(ctx.identity, 'os_compute_api:os-flavor-access');
    const b = isObj(ctx.body) ? ctx.body : {};
    const add = isObj(b.addTenantAccess) ? b.addTenantAccess : undefined;
    const remove = isObj(b.removeTenantAccess) ? b.removeTenantAccess : undefined;
    const tenant = optString(add ?? remove ?? {}, 'tenant');
    if (!tenant) throw badRequest('There is no such action or the tenant is missing.');
    const list = store.mutate((s) => {
      const f = findFlavor(s, ctx.params.id!, ctx.identity);
      if (f.isPublic) throw conflict(`Can not add access to a public flavor.`);
      const current = new Set(s.flavorAccess[f.id] ?? []);
      if (add) {
        if (current.has(tenant)) throw conflict(`Flavor access already exists for flavor ${f.id} and project ${tenant} combination.`);
        current.add(tenant);
      } else if (!current.delete(tenant)) throw notFound(`Flavor access not found for ${f.id} / ${tenant} combination.`);
      s.flavorAccess[f.id] = [...current];
      return s.flavorAccess[f.id]!.map((p) => ({ flavor_id: f.id, tenant_id: p }));
    });
    return json(200, { flavor_access: list });
  });
}

function summary(f: FlavorRecord, ctx: RequestContext): Record<string, unknown> {
  const s: Record<string, unknown> = { id: f.id, name: f.name, links: links(ctx.baseUrl, 'flavors', f.id) };
  if (atLeast(ctx.microversion, '2.55')) s.description = f.description;
  return s;
}

function pageOf(items: FlavorRecord[], ctx: RequestContext) {
  try {
    return paginate(items, (f) => f.id, ctx.query.get('marker'), parseLimit(ctx.query.get('limit')));
  } catch (e) {
    if (e instanceof MarkerNotFound) throw badRequest(`marker [${e.marker}] not found`);
    throw badRequest(String((e as Error).message));
  }
}

export function createFlavor(s: CloudState, body: Record<string, unknown>, v: Microversion): FlavorRecord {
  const name = optString(body, 'name')?.trim();
  if (!name || name.length > 255) throw badRequest("Invalid input for field/attribute name. Value: None. None is not of type 'string'");
  const rawId = body.id === undefined || body.id === null || body.id === 'auto' ? undefined : String(body.id);
  if (rawId !== undefined && !/^[\w.\- ]{1,255}$/.test(rawId)) throw badRequest(`Invalid input for field/attribute id. Value: ${rawId}. does not match pattern`);
  const id = rawId ?? uuid();
  if (s.flavors.some((f) => f.name === name)) throw conflict(`Flavor with name ${name} already exists.`);
  if (s.flavors.some((f) => f.id === id)) throw conflict(`Flavor with ID ${id} already exists.`);
  const ram = optInt(body, 'ram', 1);
  const vcpus = optInt(body, 'vcpus', 1);
  const disk = optInt(body, 'disk', 0);
  if (ram === undefined || vcpus === undefined || disk === undefined) throw badRequest("Invalid input for field/attribute flavor. 'ram', 'vcpus' and 'disk' are required properties");
  const description = atLeast(v, '2.55') ? (optString(body, 'description') ?? null) : null;
  const f: FlavorRecord = {
    id,
    name,
    ram,
    vcpus,
    disk,
    ephemeral: optInt(body, 'OS-FLV-EXT-DATA:ephemeral', 0) ?? 0,
    swap: optInt(body, 'swap', 0) ?? 0,
    rxtxFactor: optNumber(body, 'rxtx_factor') ?? 1.0,
    isPublic: optBool(body, 'os-flavor-access:is_public') ?? true,
    disabled: false,
    description,
    extraSpecs: {},
  };
  s.flavors.push(f);
  return f;
}
