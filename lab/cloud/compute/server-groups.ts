// Nova server groups: create/list/show/delete. Before 2.64 a group has
// `policies: [p]` and `metadata`; from 2.64 `policy` and `rules`. The lab has
// hosts enough for any policy, so membership is recorded, never refused.
import type { Cloud } from '../cloud.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { uuid } from '../ids.ts';
import { envelope, isObj, optArray, optString } from '../input.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { CloudState, ServerGroupRecord } from '../model.ts';
import { queryBool } from '../input.ts';
import { empty, json, type Router } from '../router.ts';
import type { Identity } from '../auth.ts';

export function groupView(g: ServerGroupRecord, v: Microversion): Record<string, unknown> {
  const out: Record<string, unknown> = { id: g.id, name: g.name };
  if (atLeast(v, '2.64')) Object.assign(out, { policy: g.policy, rules: g.rules });
  else Object.assign(out, { policies: [g.policy], metadata: {} });
  out.members = g.members;
  if (atLeast(v, '2.13')) Object.assign(out, { project_id: g.projectId, user_id: g.userId });
  return out;
}

export function findGroup(s: CloudState, id: string, who: Identity): ServerGroupRecord {
  const g = s.serverGroups.find((x) => x.id === id);
  if (!g || !(who.isAdmin || g.projectId === who.projectId)) throw notFound(`Instance group ${id} could not be found.`);
  return g;
}

export function registerServerGroups(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('GET', '/v2.1/os-server-groups', (ctx) => {
    const all = queryBool(ctx.query.get('all_projects')) === true;
    if (all && !ctx.identity.isAdmin) throw forbidden("Policy doesn't allow os_compute_api:os-server-groups:index:all_projects to be performed.");
    let items = store.state.serverGroups.filter((g) => all || g.projectId === ctx.identity.projectId);
    const offset = Number(ctx.query.get('offset') ?? 0);
    const limit = ctx.query.get('limit');
    items = items.slice(offset, limit === null ? undefined : offset + Number(limit));
    return json(200, { server_groups: items.map((g) => groupView(g, ctx.microversion)) });
  });
  router.add('GET', '/v2.1/os-server-groups/:id', (ctx) => json(200, { server_group: groupView(findGroup(store.state, ctx.params.id!, ctx.identity), ctx.microversion) }));
  router.add('POST', '/v2.1/os-server-groups', (ctx) => {
    const body = envelope(ctx.body, 'server_group');
    const name = optString(body, 'name');
    if (!name) throw badRequest("Invalid input for field/attribute name. 'name' is a required property");
    let policy: string | undefined;
    let rules: Record<string, unknown> = {};
    if (atLeast(ctx.microversion, '2.64')) {
      policy = optString(body, 'policy');
      if (isObj(body.rules)) rules = body.rules;
    } else {
      const policies = optArray(body, 'policies') ?? [];
      if (policies.length !== 1) throw badRequest("Invalid input for field/attribute policies. 'policies' must hold exactly one policy");
      policy = String(policies[0]);
    }
    const allowed = ['affinity', 'anti-affinity', ...(atLeast(ctx.microversion, '2.15') ? ['soft-affinity', 'soft-anti-affinity'] : [])];
    if (!policy || !allowed.includes(policy)) throw badRequest(`Invalid input for field/attribute policy. Value: ${String(policy)}. '${String(policy)}' is not one of ${JSON.stringify(allowed)}`);
    const g = store.mutate((s) => {
      const rec: ServerGroupRecord = { id: uuid(), name, projectId: ctx.identity.projectId, userId: ctx.identity.userId, policy: policy!, rules, members: [] };
      s.serverGroups.push(rec);
      return rec;
    });
    return json(200, { server_group: groupView(g, ctx.microversion) });
  });
  router.add('DELETE', '/v2.1/os-server-groups/:id', (ctx) => {
    store.mutate((s) => {
      const g = findGroup(s, ctx.params.id!, ctx.identity);
      s.serverGroups = s.serverGroups.filter((x) => x !== g);
    });
    return empty(204);
  });
}
