// Nova /servers: create (202 + background boot), list and detail (filters,
// all_tenants for admins, created_at-desc order, marker paging that trove-api
// relies on), show, update, delete (background; then 404 itemNotFound).
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { isoSeconds } from '../ids.ts';
import { envelope, optString, queryBool } from '../input.ts';
import { atLeast } from '../microversion.ts';
import type { CloudState, ServerRecord } from '../model.ts';
import { MarkerNotFound, paginate, parseLimit } from '../pagination.ts';
import { empty, json, type RequestContext, type Router } from '../router.ts';
import { boot, destroy } from './lifecycle.ts';
import { links } from './links.ts';
import { createServers } from './server-create.ts';
import { addresses, serverShowView, serverView, type ViewContext } from './server-view.ts';

export function findServer(s: CloudState, id: string, who: Identity): ServerRecord {
  const server = s.servers.find((x) => x.id === id);
  if (!server || !(who.isAdmin || server.projectId === who.projectId)) throw notFound(`Instance ${id} could not be found.`);
  return server;
}

export function viewContext(cloud: Cloud, ctx: RequestContext): ViewContext {
  return { state: cloud.store.state, who: ctx.identity, v: ctx.microversion, baseUrl: ctx.baseUrl, host: cloud.host };
}

export function registerServers(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  const list = (detail: boolean) => (ctx: RequestContext) => {
    const items = filtered(store.state, ctx);
    let page;
    try {
      page = paginate(items, (x) => x.id, ctx.query.get('marker'), parseLimit(ctx.query.get('limit')));
    } catch (e) {
      if (e instanceof MarkerNotFound) throw badRequest(`marker [${e.marker}] not found`);
      throw badRequest(`Invalid input for query parameters limit. ${(e as Error).message}`);
    }
    const vc = viewContext(cloud, ctx);
    const body: Record<string, unknown> = {
      servers: page.items.map((x) => (detail ? serverView(x, vc) : { id: x.id, name: x.name, links: links(ctx.baseUrl, 'servers', x.id) })),
    };
    if (page.next) {
      const next = new URLSearchParams(ctx.query);
      next.set('marker', page.next);
      body.servers_links = [{ rel: 'next', href: `${ctx.baseUrl}/v2.1/servers${detail ? '/detail' : ''}?${next.toString()}` }];
    }
    return json(200, body);
  };
  router.add('GET', '/v2.1/servers', list(false));
  router.add('GET', '/v2.1/servers/detail', list(true));
  router.add('GET', '/v2.1/servers/:id', (ctx) => json(200, { server: serverShowView(findServer(store.state, ctx.params.id!, ctx.identity), viewContext(cloud, ctx)) }));
  router.add('POST', '/v2.1/servers', (ctx) => {
    const { servers, adminPass } = createServers(cloud, ctx.body, ctx.identity, ctx.microversion);
    for (const s of servers) void boot(cloud, s.id);
    const first = servers[0]!;
    const returnReservation = (ctx.body as { server?: { return_reservation_id?: unknown } }).server?.return_reservation_id;
    if (returnReservation === true || returnReservation === 'True' || returnReservation === 'true') return json(202, { reservation_id: first.reservationId });
    const server: Record<string, unknown> = {
      id: first.id,
      links: links(ctx.baseUrl, 'servers', first.id),
      'OS-DCF:diskConfig': 'MANUAL',
      adminPass,
    };
    if (first.portIds.length) server.security_groups = first.securityGroups.map((name) => ({ name }));
    return json(202, { server }, { location: `${ctx.baseUrl}/v2.1/servers/${first.id}` });
  });
  router.add('PUT', '/v2.1/servers/:id', (ctx) => {
    const body = envelope(ctx.body, 'server');
    const server = store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      const name = optString(body, 'name');
      if (name !== undefined) {
        if (!name.trim()) throw badRequest('Invalid input for field/attribute name.');
        x.name = name;
      }
      if ('description' in body && atLeast(ctx.microversion, '2.19')) x.description = optString(body, 'description') ?? null;
      x.updated = isoSeconds();
      return x;
    });
    return json(200, { server: serverShowView(server, viewContext(cloud, ctx)) });
  });
  router.add('DELETE', '/v2.1/servers/:id', (ctx) => {
    store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      x.deleting = true;
      x.taskState = 'deleting';
      x.updated = isoSeconds();
    });
    void destroy(cloud, ctx.params.id!);
    return empty(204);
  });
}

function filtered(s: CloudState, ctx: RequestContext): ServerRecord[] {
  const q = ctx.query;
  const who = ctx.identity;
  const allTenants = q.has('all_tenants') && queryBool(q.get('all_tenants') || 'true') !== false;
  if (allTenants && !who.isAdmin) throw forbidden("Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.");
  const project = q.get('project_id') ?? q.get('tenant_id');
  let items = s.servers.filter((x) => (allTenants ? project === null || x.projectId === project : x.projectId === (who.isAdmin && project ? project : who.projectId)));
  const regex = (key: string, pick: (x: ServerRecord) => string[]) => {
    const want = q.get(key);
    if (want === null) return;
    let re: RegExp;
    try {
      re = new RegExp(want);
    } catch {
      re = new RegExp(want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    items = items.filter((x) => pick(x).some((v) => re.test(v)));
  };
  regex('name', (x) => [x.name]);
  regex('ip', (x) => Object.values(addresses(s, x)).flatMap((a) => (a as { addr: string }[]).map((e) => e.addr)));
  const exact = (key: string, pick: (x: ServerRecord) => string) => {
    const want = q.getAll(key);
    if (want.length) items = items.filter((x) => want.includes(pick(x)));
  };
  exact('status', (x) => x.status);
  exact('image', (x) => x.imageId);
  exact('flavor', (x) => x.flavor.id);
  exact('uuid', (x) => x.id);
  exact('user_id', (x) => x.userId);
  exact('key_name', (x) => x.keyName ?? '');
  exact('reservation_id', (x) => x.reservationId);
  const since = q.get('changes-since');
  if (since) items = items.filter((x) => x.updated >= since);
  // Nova's default order: created_at desc, then id desc.
  const dir = q.get('sort_dir') === 'asc' ? 1 : -1;
  const key = q.get('sort_key') ?? 'created_at';
  const field = (x: ServerRecord) => (key === 'display_name' ? x.name : key === 'uuid' ? x.id : key === 'updated_at' ? x.updated : x.created);
  return [...items].sort((a, b) => dir * (field(a).localeCompare(field(b)) || a.id.localeCompare(b.id)));
}
