// Block Storage v3 volumes, the part Trove and the CLI touch: list and
// detail (Trove's delete path always asks GET volumes/detail?name=…), show
// (404 itemNotFound), and a minimal create/delete (no backend: a created
// volume is `available` at once and holds no data).
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { isoMicros, uuid } from '../ids.ts';
import { envelope, optInt, optString, queryBool, stringMap } from '../input.ts';
import type { VolumeRecord } from '../model.ts';
import { MarkerNotFound, paginate, parseLimit } from '../pagination.ts';
import { empty, json, type RequestContext, type Router } from '../router.ts';

function checkProject(ctx: RequestContext): void {
  if (ctx.params.project !== ctx.identity.projectId && !ctx.identity.isAdmin) throw badRequest('Malformed request url');
}

function selfLinks(ctx: RequestContext, id: string) {
  return [
    { rel: 'self', href: `${ctx.baseUrl}/v3/${ctx.params.project}/volumes/${id}` },
    { rel: 'bookmark', href: `${ctx.baseUrl}/${ctx.params.project}/volumes/${id}` },
  ];
}

function view(v: VolumeRecord, ctx: RequestContext): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    status: v.status,
    size: v.size,
    availability_zone: 'nova',
    created_at: v.created,
    updated_at: v.created,
    description: v.description,
    volume_type: '__DEFAULT__',
    snapshot_id: null,
    source_volid: null,
    metadata: v.metadata,
    links: selfLinks(ctx, v.id),
    user_id: ctx.identity.userId,
    bootable: 'false',
    encrypted: false,
    replication_status: null,
    consistencygroup_id: null,
    multiattach: false,
    attachments: [],
    migration_status: null,
  };
  if (ctx.identity.isAdmin) Object.assign(out, { 'os-vol-tenant-attr:tenant_id': v.projectId, 'os-vol-host-attr:host': null, 'os-vol-mig-status-attr:migstat': null, 'os-vol-mig-status-attr:name_id': null });
  return out;
}

export function registerVolumes(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  const find = (ctx: RequestContext) => {
    checkProject(ctx);
    const v = store.state.volumes.find((x) => x.id === ctx.params.id && (ctx.identity.isAdmin || x.projectId === ctx.identity.projectId));
    if (!v) throw notFound(`Volume ${ctx.params.id} could not be found.`);
    return v;
  };
  const list = (detail: boolean) => (ctx: RequestContext) => {
    checkProject(ctx);
    const q = ctx.query;
    const all = ctx.identity.isAdmin && queryBool(q.get('all_tenants')) === true;
    let items = store.state.volumes.filter((v) => all || v.projectId === ctx.params.project);
    const name = q.get('name');
    if (name !== null) items = items.filter((v) => v.name === name);
    const status = q.get('status');
    if (status !== null) items = items.filter((v) => v.status === status);
    items = [...items].sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
    let page;
    try {
      page = paginate(items, (v) => v.id, q.get('marker'), parseLimit(q.get('limit')));
    } catch (e) {
      if (e instanceof MarkerNotFound) throw badRequest(`Marker ${e.marker} could not be found.`);
      throw badRequest('Invalid limit');
    }
    const body: Record<string, unknown> = { volumes: page.items.map((v) => (detail ? view(v, ctx) : { id: v.id, name: v.name, links: selfLinks(ctx, v.id) })) };
    if (page.next) body.volumes_links = [{ rel: 'next', href: `${ctx.baseUrl}/v3/${ctx.params.project}/volumes${detail ? '/detail' : ''}?limit=${q.get('limit')}&marker=${page.next}` }];
    return json(200, body);
  };
  router.add('GET', '/v3/:project/volumes', list(false));
  router.add('GET', '/v3/:project/volumes/detail', list(true));
  router.add('GET', '/v3/:project/volumes/:id', (ctx) => json(200, { volume: view(find(ctx), ctx) }));
  router.add('POST', '/v3/:project/volumes', (ctx) => {
    checkProject(ctx);
    const body = envelope(ctx.body, 'volume');
    const size = optInt(body, 'size', 1);
    if (size === undefined) throw badRequest("Invalid input for field/attribute size. 'size' is a required property");
    const v: VolumeRecord = {
      id: uuid(),
      name: optString(body, 'name') ?? null,
      projectId: ctx.identity.projectId,
      size,
      status: 'available',
      description: optString(body, 'description') ?? null,
      created: isoMicros(),
      metadata: stringMap(body, 'metadata') ?? {},
    };
    store.mutate((s) => s.volumes.push(v));
    return json(202, { volume: view(v, ctx) });
  });
  router.add('DELETE', '/v3/:project/volumes/:id', (ctx) => {
    const v = find(ctx);
    if (v.status === 'in-use') throw conflict('Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.');
    store.mutate((s) => {
      s.volumes = s.volumes.filter((x) => x.id !== v.id);
    });
    return empty(202);
  });
}
