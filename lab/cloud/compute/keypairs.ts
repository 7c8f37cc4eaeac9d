// Nova keypairs (owned by a user, not a project): import a public key or let
// Nova generate one (microversion < 2.92), list, show, delete. 2.2 adds `type`
// and 201/204 codes, 2.10 lets admins act for another user_id.
import type { Cloud } from '../cloud.ts';
import { badRequest, conflict, forbidden, notFound } from '../errors.ts';
import { isoMicros } from '../ids.ts';
import { envelope, optString } from '../input.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { KeypairRecord } from '../model.ts';
import { empty, json, type RequestContext, type Router } from '../router.ts';
import { fingerprint, generateRsaKey } from './ssh-keys.ts';

function targetUser(ctx: RequestContext, fromBody?: string): string {
  const asked = fromBody ?? ctx.query.get('user_id') ?? undefined;
  if (asked && asked !== ctx.identity.userId) {
    if (!atLeast(ctx.microversion, '2.10')) return ctx.identity.userId;
    if (!ctx.identity.isAdmin) throw forbidden("Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
    return asked;
  }
  return ctx.identity.userId;
}

function view(k: KeypairRecord, v: Microversion, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...extra };
  if (atLeast(v, '2.2')) out.type = k.type;
  return out;
}

export function registerKeypairs(router: Router, cloud: Cloud): void {
  const { store } = cloud;
  router.add('GET', '/v2.1/os-keypairs', (ctx) => {
    const user = targetUser(ctx);
    const mine = store.state.keypairs.filter((k) => k.userId === user);
    return json(200, { keypairs: mine.map((k) => ({ keypair: view(k, ctx.microversion) })) });
  });
  router.add('GET', '/v2.1/os-keypairs/:name', (ctx) => {
    const user = targetUser(ctx);
    const k = store.state.keypairs.find((x) => x.userId === user && x.name === ctx.params.name);
    if (!k) throw notFound(`Keypair ${ctx.params.name} not found for user ${user}`);
    return json(200, { keypair: view(k, ctx.microversion, { user_id: k.userId, created_at: k.created, deleted: false, deleted_at: null, updated_at: null, id: k.id }) });
  });
  router.add('POST', '/v2.1/os-keypairs', (ctx) => {
    const body = envelope(ctx.body, 'keypair');
    const name = optString(body, 'name') ?? '';
    if (!/^[\x20-\x7e]{1,255}$/.test(name) || name.trim() !== name) {
      throw badRequest('Keypair data is invalid: Keypair name contains unsafe characters');
    }
    const user = targetUser(ctx, optString(body, 'user_id'));
    const type = (atLeast(ctx.microversion, '2.2') ? optString(body, 'type') : undefined) ?? 'ssh';
    if (type !== 'ssh' && type !== 'x509') throw badRequest(`Invalid input for field/attribute type. Value: ${type}. '${type}' is not one of ['ssh', 'x509']`);
    let publicKey = optString(body, 'public_key');
    let privateKey: string | undefined;
    if (publicKey === undefined) {
      if (atLeast(ctx.microversion, '2.92')) throw badRequest("Invalid input for field/attribute keypair. 'public_key' is a required property");
      ({ publicKey, privateKey } = generateRsaKey());
    }
    const fp = type === 'ssh' ? fingerprint(publicKey) : 'x509';
    const k = store.mutate((s) => {
      if (s.keypairs.some((x) => x.userId === user && x.name === name)) throw conflict(`Key pair '${name}' already exists.`);
      const id = (s.counters.keypair = (s.counters.keypair ?? 0) + 1);
      const rec: KeypairRecord = { name, userId: user, publicKey: publicKey!, fingerprint: fp, type, created: isoMicros(), id };
      s.keypairs.push(rec);
      return rec;
    });
    const out = view(k, ctx.microversion, { user_id: k.userId });
    if (privateKey) out.private_key = privateKey;
    return json(atLeast(ctx.microversion, '2.2') ? 201 : 200, { keypair: out });
  });
  router.add('DELETE', '/v2.1/os-keypairs/:name', (ctx) => {
    const user = targetUser(ctx);
    store.mutate((s) => {
      const i = s.keypairs.findIndex((x) => x.userId === user && x.name === ctx.params.name);
      if (i < 0) throw notFound(`Keypair ${ctx.params.name} not found for user ${user}`);
      s.keypairs.splice(i, 1);
    });
    return empty(atLeast(ctx.microversion, '2.2') ? 204 : 202);
  });
}
