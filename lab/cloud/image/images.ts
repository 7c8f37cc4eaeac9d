// Glance v2 images: create (queued), show, list (filters, sort, marker paging
// with a `next` link), PATCH, tags, delete. Extra properties are strings, as
// in Glance; `trove_role` (database|node) tells the VM driver what boots.
import { rmSync } from 'node:fs';
import type { Cloud } from '../cloud.ts';
import { ApiError, badRequest, conflict, notFound } from '../errors.ts';
import { isoSeconds, uuid, UUID_RE } from '../ids.ts';
import { isObj } from '../input.ts';
import type { ImageRecord } from '../model.ts';
import { MarkerNotFound, paginate, parseLimit } from '../pagination.ts';
import { empty, json, type RequestContext, type Router } from '../router.ts';
import type { Identity } from '../auth.ts';
import { imageVisible, imageWritable } from './access.ts';
import { imageDataFile } from './data.ts';
import { imageView, WRITABLE } from './image-view.ts';
import { applyPatch, PATCH_TYPES } from './patch.ts';
import { checkProperty } from './validate.ts';

export function findImage(cloud: Cloud, id: string, who: Identity): ImageRecord {
  const img = cloud.store.state.images.find((i) => i.base.id === id);
  if (!img || !imageVisible(img, who)) throw notFound(`No image found with ID ${id}`);
  return img;
}

function writable(cloud: Cloud, id: string, who: Identity): ImageRecord {
  const img = findImage(cloud, id, who);
  if (!imageWritable(img, who)) throw new ApiError(403, `You are not permitted to modify image ${id}.`);
  return img;
}

export function registerImages(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('POST', '/v2/images', (ctx) => {
    if (!isObj(ctx.body)) throw badRequest('Body expected in request.');
    const body = ctx.body;
    const now = isoSeconds();
    const rec: ImageRecord = {
      base: {
        id: uuid(),
        name: null,
        status: 'queued',
        visibility: 'shared',
        protected: false,
        os_hidden: false,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        owner: ctx.identity.projectId,
        size: null,
        virtual_size: null,
        container_format: null,
        disk_format: null,
        min_ram: 0,
        min_disk: 0,
        tags: [],
        created_at: now,
        updated_at: now,
      },
      properties: {},
    };
    for (const [k, v] of Object.entries(body)) {
      const value = checkProperty(k, v, ctx.identity);
      if (k === 'id') {
        if (typeof v !== 'string' || !UUID_RE.test(v)) throw badRequest(`Provided object does not match schema 'image': ${JSON.stringify(v)} does not match pattern`);
        rec.base.id = v;
      } else if (WRITABLE.has(k)) (rec.base as Record<string, unknown>)[k] = value;
      else rec.properties[k] = value as string;
    }
    store.mutate((s) => {
      if (s.images.some((i) => i.base.id === rec.base.id)) throw conflict(`Image with identifier ${rec.base.id} already exists!`);
      s.images.push(rec);
    });
    return json(201, imageView(rec), { location: `${ctx.baseUrl}/v2/images/${rec.base.id}` });
  });
  router.add('GET', '/v2/images', (ctx) => listImages(cloud, ctx));
  router.add('GET', '/v2/images/:id', (ctx) => json(200, imageView(findImage(cloud, ctx.params.id!, ctx.identity))));
  router.add('PATCH', '/v2/images/:id', (ctx) => {
    const type = String(ctx.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!PATCH_TYPES.includes(type)) throw new ApiError(415, `Unsupported Content-Type`, undefined, { 'accept-patch': PATCH_TYPES.join(', ') });
    const img = store.mutate(() => {
      const rec = writable(cloud, ctx.params.id!, ctx.identity);
      const before = JSON.stringify(rec);
      try {
        applyPatch(rec, ctx.body, ctx.identity);
      } catch (e) {
        Object.assign(rec, JSON.parse(before) as ImageRecord);
        throw e;
      }
      rec.base.updated_at = isoSeconds();
      return rec;
    });
    return json(200, imageView(img));
  });
  router.add('DELETE', '/v2/images/:id', (ctx) => {
    store.mutate((s) => {
      const img = writable(cloud, ctx.params.id!, ctx.identity);
      if (img.base.protected === true) throw new ApiError(403, `Image ${img.base.id} is protected and cannot be deleted.`);
      s.images = s.images.filter((i) => i !== img);
    });
    rmSync(imageDataFile(cloud, ctx.params.id!), { force: true });
    return empty(204);
  });
  router.add('PUT', '/v2/images/:id/tags/:tag', (ctx) => {
    store.mutate(() => {
      const img = writable(cloud, ctx.params.id!, ctx.identity);
      if (!img.base.tags.includes(ctx.params.tag!)) img.base.tags.push(ctx.params.tag!);
      img.base.updated_at = isoSeconds();
    });
    return empty(204);
  });
  router.add('DELETE', '/v2/images/:id/tags/:tag', (ctx) => {
    store.mutate(() => {
      const img = writable(cloud, ctx.params.id!, ctx.identity);
      if (!img.base.tags.includes(ctx.params.tag!)) throw notFound(`Tag ${ctx.params.tag} not found`);
      img.base.tags = img.base.tags.filter((t) => t !== ctx.params.tag);
      img.base.updated_at = isoSeconds();
    });
    return empty(204);
  });
}

const LIST_CONTROL = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'visibility', 'tag', 'member_status', 'os_hidden', 'size_min', 'size_max', 'id']);

function listImages(cloud: Cloud, ctx: RequestContext) {
  const q = ctx.query;
  const who = ctx.identity;
  let items = cloud.store.state.images.filter((i) => imageVisible(i, who));
  const visibility = q.get('visibility');
  if (visibility && visibility !== 'all') items = items.filter((i) => i.base.visibility === visibility);
  else if (!visibility) items = items.filter((i) => i.base.visibility !== 'community' || i.base.owner === who.projectId);
  const hidden = q.get('os_hidden');
  items = items.filter((i) => (hidden === null ? i.base.os_hidden !== true : String(i.base.os_hidden) === hidden.toLowerCase()));
  for (const tag of q.getAll('tag')) items = items.filter((i) => i.base.tags.includes(tag));
  const ids = q.get('id');
  if (ids) {
    const wanted = ids.startsWith('in:') ? ids.slice(3).split(',') : [ids];
    items = items.filter((i) => wanted.includes(i.base.id));
  }
  const sizeMin = q.get('size_min');
  const sizeMax = q.get('size_max');
  if (sizeMin) items = items.filter((i) => (i.base.size as number | null) !== null && (i.base.size as number) >= Number(sizeMin));
  if (sizeMax) items = items.filter((i) => (i.base.size as number | null) !== null && (i.base.size as number) <= Number(sizeMax));
  for (const key of new Set(q.keys())) {
    if (LIST_CONTROL.has(key)) continue;
    const want = q.get(key)!;
    const values = want.startsWith('in:') ? want.slice(3).split(',') : [want];
    items = items.filter((i) => {
      const have = key in i.base ? (i.base as Record<string, unknown>)[key] : i.properties[key];
      return have !== undefined && values.includes(String(have));
    });
  }
  items = sortImages(items, q);
  let page;
  try {
    page = paginate(items, (i) => i.base.id, q.get('marker'), parseLimit(q.get('limit') ?? '25'));
  } catch (e) {
    if (e instanceof MarkerNotFound) throw badRequest(`Invalid marker. Image ${e.marker} could not be found.`);
    throw badRequest(`limit param must be an integer`);
  }
  const body: Record<string, unknown> = { images: page.items.map(imageView), first: `/v2/images${firstQuery(q)}`, schema: '/v2/schemas/images' };
  if (page.items.length && page.items.length === (parseLimit(q.get('limit') ?? '25') ?? -1)) {
    const next = new URLSearchParams(q);
    next.set('marker', page.items[page.items.length - 1]!.base.id);
    body.next = `/v2/images?${next.toString()}`;
  }
  return json(200, body);
}

function firstQuery(q: URLSearchParams): string {
  const f = new URLSearchParams(q);
  f.delete('marker');
  const s = f.toString();
  return s ? `?${s}` : '';
}

/** sort=created_at:desc,name:asc or sort_key/sort_dir pairs; default created_at desc, id desc. */
function sortImages(items: ImageRecord[], q: URLSearchParams): ImageRecord[] {
  const keys: [string, number][] = [];
  const sort = q.get('sort');
  if (sort) {
    for (const part of sort.split(',')) {
      const [k, d] = part.split(':');
      if (d && d !== 'asc' && d !== 'desc') throw badRequest(`Invalid sort direction: ${d}`);
      keys.push([k!, d === 'asc' ? 1 : -1]);
    }
  } else {
    const sk = q.getAll('sort_key');
    const sd = q.getAll('sort_dir');
    sk.forEach((k, i) => keys.push([k, (sd[i] ?? sd[0] ?? 'desc') === 'asc' ? 1 : -1]));
  }
  if (!keys.length) keys.push(['created_at', -1]);
  if (!keys.some(([k]) => k === 'id')) keys.push(['id', keys[0]![1]]);
  const val = (i: ImageRecord, k: string) => (i.base as Record<string, unknown>)[k] ?? i.properties[k] ?? '';
  return [...items].sort((a, b) => {
    for (const [k, d] of keys) {
      const x = val(a, k);
      const y = val(b, k);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (c) return d * c;
    }
    return 0;
  });
}
