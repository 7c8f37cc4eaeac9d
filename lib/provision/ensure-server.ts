// Ensure-helper for one HAProxy VM: by name, booted from the configured image,
// flavor and keypair on its ports (admin-mgmt first, so it is eth0). An existing
// server is never rebuilt: a different image, flavor, keypair or a port not
// attached to it is reported as drift for the operator to decide.
import type { ComputeClient, ImageClient } from '../openstack/compute.ts';
import type { NetworkClient } from '../openstack/network.ts';
import { isPlanned, planned, type EnsureContext } from './change.ts';
import type { DesiredServer } from './desired.ts';

export interface ServerRefs {
  imageId?: string;
  flavorId?: string;
  keypairExists: boolean;
}

/** Image, flavor and keypair looked up once for every server; a missing one is named with its fix. */
export async function resolveServerRefs(nova: ComputeClient, glance: ImageClient, want: Pick<DesiredServer, 'image' | 'flavor' | 'keypair'>): Promise<ServerRefs> {
  const [image, flavor, keypairExists] = await Promise.all([glance.imageNamed(want.image), nova.flavorNamed(want.flavor), nova.keypairExists(want.keypair)]);
  return { ...(image ? { imageId: image.id } : {}), ...(flavor ? { flavorId: flavor.id } : {}), keypairExists };
}

export function missingRefs(refs: ServerRefs, want: Pick<DesiredServer, 'image' | 'flavor' | 'keypair'>): string[] {
  const out: string[] = [];
  if (!refs.imageId) out.push(`image "${want.image}" not found in Glance (upload it or fix provision.servers.image)`);
  if (!refs.flavorId) out.push(`flavor "${want.flavor}" not found in Nova (create it or fix provision.servers.flavor)`);
  if (!refs.keypairExists) out.push(`keypair "${want.keypair}" not found in Nova (openstack keypair create --public-key <the key ssh.privateKey belongs to> ${want.keypair})`);
  return out;
}

export async function ensureServer(
  ctx: EnsureContext,
  nova: ComputeClient,
  neutron: NetworkClient,
  want: DesiredServer,
  portIds: string[],
  refs: ServerRefs,
  activeTimeoutMs: number,
): Promise<string> {
  const what = `server ${want.name}`;
  const found = await nova.serversNamed(want.name);
  if (found.length > 1) ctx.record({ action: 'drift', object: what, detail: `${found.length} servers have this name (${found.map((s) => s.id).join(', ')}); using the first` });
  const have = found[0];
  if (!have) {
    const detail = `image ${want.image}, flavor ${want.flavor}, keypair ${want.keypair}, ports ${want.ports.map((p) => p.name).join(', ')}`;
    if (ctx.dryRun || portIds.some(isPlanned)) {
      ctx.record({ action: 'create', object: what, detail });
      return planned(what);
    }
    const missing = missingRefs(refs, want);
    if (missing.length) throw new Error(`cannot create ${what}: ${missing.join('; ')}`);
    const id = await nova.createServer({
      name: want.name,
      imageRef: refs.imageId,
      flavorRef: refs.flavorId,
      key_name: want.keypair,
      networks: portIds.map((port) => ({ port })),
      metadata: { 'trove-ha': 'mgmt-proxy' },
    });
    const server = await nova.waitActive(id, activeTimeoutMs);
    ctx.record({ action: 'create', object: what, detail: `${detail}, id ${server.id}, ${server.status}` });
    return id;
  }
  const diffs: string[] = [];
  if (refs.imageId && typeof have.image === 'object' && have.image.id !== refs.imageId) diffs.push(`image ${have.image.id} (want ${want.image} ${refs.imageId})`);
  if (refs.flavorId && have.flavor.id !== refs.flavorId) diffs.push(`flavor ${have.flavor.id} (want ${want.flavor} ${refs.flavorId})`);
  if (have.key_name !== want.keypair) diffs.push(`keypair ${have.key_name ?? 'none'} (want ${want.keypair})`);
  const attached = new Set((await neutron.listPorts({ device_id: have.id })).map((p) => p.id));
  const unattached = want.ports.filter((_, i) => !attached.has(portIds[i]!)).map((p) => p.name);
  if (unattached.length) diffs.push(`ports not attached: ${unattached.join(', ')}`);
  if (have.status !== 'ACTIVE') diffs.push(`status ${have.status}`);
  if (diffs.length) ctx.record({ action: 'drift', object: what, detail: `${diffs.join('; ')}; not rebuilt automatically` });
  else ctx.record({ action: 'unchanged', object: what });
  return have.id;
}
