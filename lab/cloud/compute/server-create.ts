// POST /servers: validate like nova-api (image, flavor, key, networks, user
// data, scheduler hints), wire ports in Neutron (create on net-id, bind a
// given port), record the server in BUILD and hand it to the VM driver.
import type { Identity } from '../auth.ts';
import type { Cloud } from '../cloud.ts';
import { ApiError, badRequest, conflict } from '../errors.ts';
import { isoSeconds, uuid, UUID_RE } from '../ids.ts';
import { envelope, isObj, optArray, optBool, optInt, optString, stringMap, type Obj } from '../input.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import type { CloudState, NeutronResource, ServerRecord } from '../model.ts';
import { createPort } from '../network/ports.ts';
import { visibleNetwork } from '../network/resource.ts';
import { ensureDefaultSecurityGroup } from '../network/security-groups.ts';
import { imageVisible } from '../image/access.ts';
import { findFlavor } from './flavors.ts';
import { findGroup } from './server-groups.ts';

interface NetworkRequest {
  network?: string;
  port?: string;
  fixedIp?: string;
}

export interface CreateResult {
  servers: ServerRecord[];
  adminPass: string;
}

const lastSegment = (ref: string) => ref.replace(/\/+$/, '').split('/').pop() ?? ref;

export function createServers(cloud: Cloud, rawBody: unknown, who: Identity, v: Microversion): CreateResult {
  const body = envelope(rawBody, 'server');
  const name = optString(body, 'name');
  if (!name || name.length > 255 || name.trim() === '') throw badRequest("Invalid input for field/attribute name. Value: None. None is not of type 'string'");
  const minCount = optInt(body, 'min_count', 1) ?? 1;
  const maxCount = optInt(body, 'max_count', 1) ?? minCount;
  if (maxCount < minCount) throw badRequest('min_count must be <= max_count');
  const userData = optString(body, 'user_data') ?? null;
  if (userData !== null && !isBase64(userData)) throw badRequest('Invalid input for field/attribute user_data. Value: <data>. is not a base64 string');
  if (userData !== null && userData.length > 65535) throw badRequest('Invalid input for field/attribute user_data. Value: <data>. is too long');
  const metadata = stringMap(body, 'metadata') ?? {};
  const az = optString(body, 'availability_zone') ?? 'nova';
  if (az !== 'nova' && !az.startsWith('nova:')) throw badRequest(`The requested availability zone is not available`);
  const configDrive = optBool(body, 'config_drive') ?? false;
  const bdm = optArray(body, 'block_device_mapping_v2') ?? [];
  const requests = networkRequests(body, v);
  const hints = isObj(body['os:scheduler_hints']) ? body['os:scheduler_hints'] : isObj((rawBody as Obj)['os:scheduler_hints']) ? ((rawBody as Obj)['os:scheduler_hints'] as Obj) : {};
  const sgNames = (optArray(body, 'security_groups') ?? [{ name: 'default' }]).map((g) => (isObj(g) && typeof g.name === 'string' ? g.name : String(g)));
  const description = atLeast(v, '2.19') ? (optString(body, 'description') ?? null) : null;
  const tags = atLeast(v, '2.52') ? ((optArray(body, 'tags') ?? []) as string[]) : [];
  const hostname = atLeast(v, '2.90') ? (optString(body, 'hostname') ?? sanitizeHostname(name)) : sanitizeHostname(name);

  const servers = cloud.store.mutate((s) => {
    const flavorRef = optString(body, 'flavorRef');
    if (!flavorRef) throw badRequest("Invalid input for field/attribute flavorRef. 'flavorRef' is a required property");
    let flavor;
    try {
      flavor = findFlavor(s, lastSegment(flavorRef), who);
    } catch {
      throw badRequest(`Flavor ${lastSegment(flavorRef)} could not be found.`);
    }
    if (flavor.disabled) throw badRequest(`Flavor ${flavor.id} could not be found.`);
    const imageId = imageOf(s, body, bdm, who);
    const keyName = optString(body, 'key_name') ?? null;
    if (keyName !== null && !s.keypairs.some((k) => k.userId === who.userId && k.name === keyName)) throw badRequest('Invalid key_name provided.');
    const groupId = typeof hints.group === 'string' ? hints.group : null;
    if (groupId !== null) {
      try {
        findGroup(s, groupId, who);
      } catch {
        throw badRequest(`Invalid server group ${groupId}`);
      }
    }
    const groups = sgNames.map((n) => securityGroupId(s, n, who));
    const reservationId = `r-${Math.random().toString(36).slice(2, 10)}`;
    const made: ServerRecord[] = [];
    for (let i = 0; i < maxCount; i++) {
      const now = isoSeconds();
      const server: ServerRecord = {
        id: uuid(),
        name: maxCount > 1 ? `${name}-${i + 1}` : name,
        projectId: who.projectId,
        userId: who.userId,
        status: 'BUILD',
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        imageId,
        flavor: { ...flavor, extraSpecs: { ...flavor.extraSpecs } },
        metadata,
        userData,
        keyName,
        securityGroups: sgNames,
        configDrive,
        availabilityZone: 'nova',
        portIds: [],
        createdPortIds: [],
        serverGroupId: groupId,
        blockDeviceMapping: bdm,
        description,
        tags,
        reservationId,
        launchIndex: i,
        hostname: maxCount > 1 ? `${hostname}-${i + 1}` : hostname,
        created: now,
        updated: now,
        launchedAt: null,
        fault: null,
        deleting: false,
      };
      attachPorts(s, server, requests, groups, who, cloud.host);
      if (groupId) s.serverGroups.find((g) => g.id === groupId)!.members.push(server.id);
      s.servers.push(server);
      made.push(server);
    }
    return made;
  });
  return { servers, adminPass: Math.random().toString(36).slice(2, 14) };
}

function networkRequests(body: Obj, v: Microversion): NetworkRequest[] | 'auto' | 'none' {
  const raw = body.networks;
  if (raw === undefined) {
    if (atLeast(v, '2.37')) throw badRequest("Invalid input for field/attribute networks. 'networks' is a required property");
    return 'auto';
  }
  if (raw === 'auto' || raw === 'none') {
    if (!atLeast(v, '2.37')) throw badRequest(`Invalid input for field/attribute networks. Value: ${raw}. '${raw}' is not of type 'array'`);
    return raw;
  }
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for field/attribute networks. Value: ${JSON.stringify(raw)}. is not of type 'array'`);
  return raw.map((n) => {
    if (!isObj(n)) throw badRequest('Bad networks format');
    const r: NetworkRequest = {};
    const port = optString(n, 'port');
    const net = optString(n, 'uuid');
    const ip = optString(n, 'fixed_ip');
    if (port) r.port = port;
    if (net) r.network = net;
    if (ip) r.fixedIp = ip;
    if (!r.port && !r.network) throw badRequest('Bad networks format: network uuid is not in proper format ()');
    if (r.network && !UUID_RE.test(r.network) && !r.port) throw badRequest(`Bad networks format: network uuid is not in proper format (${r.network})`);
    return r;
  });
}

function imageOf(s: CloudState, body: Obj, bdm: unknown[], who: Identity): string {
  const ref = optString(body, 'imageRef');
  const bootFromVolume = bdm.some((b) => isObj(b) && Number(b.boot_index) === 0 && b.destination_type === 'volume');
  if (!ref) {
    const fromBdm = bdm.find((b) => isObj(b) && Number(b.boot_index) === 0 && b.source_type === 'image') as Obj | undefined;
    if (fromBdm && typeof fromBdm.uuid === 'string') return checkImage(s, fromBdm.uuid, who);
    if (bootFromVolume) return '';
    throw badRequest('Block Device Mapping is Invalid: You specified more local devices than the limit allows');
  }
  return checkImage(s, lastSegment(ref), who);
}

function checkImage(s: CloudState, id: string, who: Identity): string {
  const img = s.images.find((i) => i.base.id === id);
  if (!img || !imageVisible(img, who)) throw badRequest(`Image ${id} could not be found.`);
  if (img.base.status !== 'active') throw badRequest(`Image ${id} is not active.`);
  return id;
}

function securityGroupId(s: CloudState, nameOrId: string, who: Identity): string {
  if (nameOrId === 'default') return ensureDefaultSecurityGroup(s, who.projectId).id;
  const mine = s.securityGroups.filter((g) => g.project_id === who.projectId && (g.id === nameOrId || g.name === nameOrId));
  if (mine.length === 1) return mine[0]!.id;
  if (mine.length > 1) throw conflict(`Multiple security_group matches found for name '${nameOrId}', use an ID to be more specific.`);
  throw badRequest(`Unable to find security group with name or id '${nameOrId}'`);
}

function attachPorts(s: CloudState, server: ServerRecord, requests: NetworkRequest[] | 'auto' | 'none', groups: string[], who: Identity, host: string): void {
  if (requests === 'none') return;
  let list = requests;
  if (list === 'auto') {
    // Nova without networks: the one network the project can use, else none/ambiguous.
    const usable = s.networks.filter((n) => n['router:external'] !== true && (n.project_id === who.projectId || n.shared === true));
    if (usable.length > 1) throw conflict('Multiple possible networks found, use a Network ID to be more specific.');
    list = usable.map((n) => ({ network: n.id }));
  }
  for (const r of list) {
    let port: NeutronResource;
    if (r.port) {
      const found = s.ports.find((p) => p.id === r.port && (who.isAdmin || p.project_id === who.projectId));
      if (!found) throw new ApiError(400, `Port id ${r.port} could not be found.`);
      if (found.device_id && found.device_id !== server.id) throw conflict(`Port ${found.id} is still in use.`);
      port = found;
    } else {
      try {
        visibleNetwork(s, r.network!, who);
      } catch {
        throw badRequest(`Network ${r.network} could not be found.`);
      }
      const body: Obj = { network_id: r.network, security_groups: groups, device_owner: 'compute:nova', project_id: server.projectId };
      if (r.fixedIp) body.fixed_ips = [{ ip_address: r.fixedIp }];
      try {
        port = createPort(s, body, { ...who, isAdmin: true, projectId: who.projectId });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) throw badRequest(`Network ${r.network} could not be found.`);
        if (e instanceof ApiError && e.status === 409 && /IP address/.test(e.message)) throw badRequest(`Fixed IP address ${r.fixedIp} is already in use.`);
        throw e;
      }
      server.createdPortIds.push(port.id);
    }
    Object.assign(port, { device_id: server.id, device_owner: 'compute:nova', 'binding:host_id': host });
    server.portIds.push(port.id);
  }
}

function isBase64(s: string): boolean {
  const t = s.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 === 0;
}

function sanitizeHostname(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[.-]+|[.-]+$/g, '')
      .slice(0, 63) || 'server'
  );
}
