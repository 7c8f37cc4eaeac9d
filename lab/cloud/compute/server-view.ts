// How Nova renders a server, by microversion and role: addresses from the
// server's Neutron ports, flavor as a link (< 2.47) or embedded (>= 2.47),
// admin-only OS-EXT-SRV-ATTR fields, the 2.3/2.9/2.16/2.19/2.26/2.71/2.73
// additions.
import { createHash } from 'node:crypto';
import type { Identity } from '../auth.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { CloudState, NeutronResource, ServerRecord } from '../model.ts';
import { links } from './links.ts';

export interface ViewContext {
  state: CloudState;
  who: Identity;
  v: Microversion;
  baseUrl: string;
  host: string;
}

export function serverPorts(s: CloudState, server: ServerRecord): NeutronResource[] {
  return server.portIds.map((id) => s.ports.find((p) => p.id === id)).filter((p): p is NeutronResource => p !== undefined);
}

export function addresses(s: CloudState, server: ServerRecord): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const p of serverPorts(s, server)) {
    const net = s.networks.find((n) => n.id === p.network_id);
    const key = String(net?.name ?? p.network_id);
    for (const f of p.fixed_ips as { ip_address: string }[]) {
      (out[key] ??= []).push({ version: 4, addr: f.ip_address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.mac_address });
    }
  }
  return out;
}

export function serverView(server: ServerRecord, c: ViewContext): Record<string, unknown> {
  const { v, who, baseUrl } = c;
  const f = server.flavor;
  const flavor = atLeast(v, '2.47')
    ? { vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, original_name: f.name, extra_specs: f.extraSpecs }
    : { id: f.id, links: [{ rel: 'bookmark', href: `${baseUrl}/flavors/${f.id}` }] };
  const hosted = server.status !== 'BUILD' || server.launchedAt !== null;
  const view: Record<string, unknown> = {
    id: server.id,
    name: server.name,
    status: server.status,
    tenant_id: server.projectId,
    user_id: server.userId,
    metadata: server.metadata,
    hostId: hosted ? createHash('sha224').update(server.projectId + c.host).digest('hex') : '',
    image: server.imageId ? { id: server.imageId, links: [{ rel: 'bookmark', href: `${baseUrl}/images/${server.imageId}` }] } : '',
    flavor,
    created: server.created,
    updated: server.updated,
    addresses: addresses(c.state, server),
    accessIPv4: '',
    accessIPv6: '',
    links: links(baseUrl, 'servers', server.id),
    'OS-DCF:diskConfig': 'MANUAL',
    'OS-EXT-AZ:availability_zone': server.availabilityZone,
    config_drive: server.configDrive ? 'True' : '',
    key_name: server.keyName,
    'OS-SRV-USG:launched_at': server.launchedAt,
    'OS-SRV-USG:terminated_at': null,
    'OS-EXT-STS:task_state': server.taskState,
    'OS-EXT-STS:vm_state': server.vmState,
    'OS-EXT-STS:power_state': server.powerState,
    'os-extended-volumes:volumes_attached': [],
  };
  if (['BUILD', 'ACTIVE', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'].includes(server.status)) view.progress = 0;
  // Like Nova with Neutron: the names of the security groups on the server's ports.
  const groupNames = [...new Set(serverPorts(c.state, server).flatMap((p) => (p.security_groups as string[]).map((id) => String(c.state.securityGroups.find((g) => g.id === id)?.name ?? id))))];
  if (groupNames.length) view.security_groups = groupNames.map((name) => ({ name }));
  if (who.isAdmin) {
    Object.assign(view, {
      'OS-EXT-SRV-ATTR:host': hosted ? c.host : null,
      'OS-EXT-SRV-ATTR:instance_name': `instance-${server.id.slice(0, 8)}`,
      'OS-EXT-SRV-ATTR:hypervisor_hostname': hosted ? c.host : null,
    });
    if (atLeast(v, '2.3')) {
      Object.assign(view, {
        'OS-EXT-SRV-ATTR:reservation_id': server.reservationId,
        'OS-EXT-SRV-ATTR:launch_index': server.launchIndex,
        'OS-EXT-SRV-ATTR:hostname': server.hostname,
        'OS-EXT-SRV-ATTR:kernel_id': '',
        'OS-EXT-SRV-ATTR:ramdisk_id': '',
        'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
        'OS-EXT-SRV-ATTR:user_data': server.userData,
      });
    }
    if (atLeast(v, '2.16')) view.host_status = hosted ? 'UP' : '';
  }
  if (atLeast(v, '2.3')) view['os-extended-volumes:volumes_attached'] = [];
  if (atLeast(v, '2.9')) view.locked = false;
  if (atLeast(v, '2.19')) view.description = server.description;
  if (atLeast(v, '2.26')) view.tags = server.tags;
  if (atLeast(v, '2.63')) view.trusted_image_certificates = null;
  if (atLeast(v, '2.73')) view.locked_reason = null;
  if (atLeast(v, '2.90') && !who.isAdmin) view['OS-EXT-SRV-ATTR:hostname'] = server.hostname;
  if (server.fault) view.fault = { code: server.fault.code, message: server.fault.message, created: server.fault.created, ...(who.isAdmin ? { details: '' } : {}) };
  return view;
}

/** GET /servers/{id} adds server_groups from 2.71. */
export function serverShowView(server: ServerRecord, c: ViewContext): Record<string, unknown> {
  const view = serverView(server, c);
  if (atLeast(c.v, '2.71')) view.server_groups = server.serverGroupId ? [server.serverGroupId] : [];
  return view;
}
