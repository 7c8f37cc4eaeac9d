// Server metadata (OSC `server set/unset --property`, novaclient set_meta).
import type { Cloud } from '../cloud.ts';
import { badRequest, notFound } from '../errors.ts';
import { isoSeconds } from '../ids.ts';
import { isObj, stringMap } from '../input.ts';
import { empty, json, type Router } from '../router.ts';
import { findServer } from './servers.ts';

export function registerServerMetadata(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  const bodyMap = (body: unknown, key: string) => {
    const m = stringMap(isObj(body) ? body : {}, key);
    if (!m) throw badRequest(`Invalid input for field/attribute ${key}. '${key}' is a required property`);
    return m;
  };
  router.add('GET', '/v2.1/servers/:id/metadata', (ctx) => json(200, { metadata: findServer(store.state, ctx.params.id!, ctx.identity).metadata }));
  router.add('POST', '/v2.1/servers/:id/metadata', (ctx) => {
    const m = bodyMap(ctx.body, 'metadata');
    const meta = store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      Object.assign(x.metadata, m);
      x.updated = isoSeconds();
      return x.metadata;
    });
    return json(200, { metadata: meta });
  });
  router.add('PUT', '/v2.1/servers/:id/metadata', (ctx) => {
    const m = bodyMap(ctx.body, 'metadata');
    store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      x.metadata = m;
      x.updated = isoSeconds();
    });
    return json(200, { metadata: m });
  });
  router.add('GET', '/v2.1/servers/:id/metadata/:key', (ctx) => {
    const x = findServer(store.state, ctx.params.id!, ctx.identity);
    const v = x.metadata[ctx.params.key!];
    if (v === undefined) throw notFound('Metadata item was not found');
    return json(200, { meta: { [ctx.params.key!]: v } });
  });
  router.add('PUT', '/v2.1/servers/:id/metadata/:key', (ctx) => {
    const m = bodyMap(ctx.body, 'meta');
    const key = ctx.params.key!;
    if (Object.keys(m).length !== 1 || m[key] === undefined) throw badRequest('Request body and URI mismatch');
    store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      x.metadata[key] = m[key]!;
      x.updated = isoSeconds();
    });
    return json(200, { meta: m });
  });
  router.add('DELETE', '/v2.1/servers/:id/metadata/:key', (ctx) => {
    store.mutate((s) => {
      const x = findServer(s, ctx.params.id!, ctx.identity);
      if (!(ctx.params.key! in x.metadata)) throw notFound('Metadata item was not found');
      delete x.metadata[ctx.params.key!];
      x.updated = isoSeconds();
    });
    return empty(204);
  });
}
