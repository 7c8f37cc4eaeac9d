// Helpers every Neutron resource shares: owner resolution, the standard
// attributes (description, tags, timestamps, revision), lookups with
// Neutron's "<Type> <id> could not be found" 404s.
import type { Identity } from '../auth.ts';
import { forbidden, notFound } from '../errors.ts';
import { isoSeconds, uuid } from '../ids.ts';
import { optString, type Obj } from '../input.ts';
import type { CloudState, NeutronResource } from '../model.ts';
import { ownedOrAdmin } from './neutron-list.ts';

/** The project a new resource belongs to: the token's, or (admins only) the one in the body. */
export function ownerOf(body: Obj, who: Identity, resource: string): string {
  const asked = optString(body, 'project_id') ?? optString(body, 'tenant_id');
  if (asked && asked !== who.projectId && !who.isAdmin) {
    throw forbidden(`(rule:create_${resource} and rule:create_${resource}:tenant_id) is disallowed by policy`, 'PolicyNotAuthorized');
  }
  return asked ?? who.projectId;
}

export function standard(project: string, body: Obj): NeutronResource {
  const now = isoSeconds();
  return {
    id: uuid(),
    project_id: project,
    tenant_id: project,
    description: optString(body, 'description') ?? '',
    tags: [],
    created_at: now,
    updated_at: now,
    revision_number: 0,
  };
}

export function touch(r: NeutronResource): void {
  r.updated_at = isoSeconds();
  r.revision_number = Number(r.revision_number ?? 0) + 1;
}

type Collection = 'networks' | 'subnets' | 'ports' | 'securityGroups' | 'securityGroupRules';

const TYPE_NAMES: Record<Collection, [string, string]> = {
  networks: ['Network', 'NetworkNotFound'],
  subnets: ['Subnet', 'SubnetNotFound'],
  ports: ['Port', 'PortNotFound'],
  securityGroups: ['Security group', 'SecurityGroupNotFound'],
  securityGroupRules: ['Security group rule', 'SecurityGroupRuleNotFound'],
};

/** A resource the caller may see, or Neutron's 404. */
export function findVisible(
  s: CloudState,
  collection: Collection,
  id: string,
  who: Identity,
  alsoVisible: (r: NeutronResource) => boolean = () => false,
): NeutronResource {
  const r = s[collection].find((x) => x.id === id);
  if (!r || !(ownedOrAdmin(r, who) || alsoVisible(r))) {
    const [label, type] = TYPE_NAMES[collection];
    const text = collection === 'securityGroupRules' ? `Security group rule ${id} does not exist` : `${label} ${id} could not be found.`;
    throw notFound(text, type);
  }
  return r;
}

/** Networks others may see: shared ones and external ones. */
export const networkIsOpen = (n: NeutronResource): boolean => n.shared === true || n['router:external'] === true;

export function visibleNetwork(s: CloudState, id: string, who: Identity): NeutronResource {
  return findVisible(s, 'networks', id, who, networkIsOpen);
}

/** Subnets of networks that are shared are visible to everyone, as in Neutron. */
export function visibleSubnet(s: CloudState, id: string, who: Identity): NeutronResource {
  return findVisible(s, 'subnets', id, who, (sub) => {
    const n = s.networks.find((x) => x.id === sub.network_id);
    return n !== undefined && networkIsOpen(n);
  });
}

/** Neutron hides provider:* from non-admins (policy), so do we. */
export function renderNetwork(n: NeutronResource, who: Identity): NeutronResource {
  if (who.isAdmin) return n;
  const copy = { ...n };
  delete copy['provider:network_type'];
  delete copy['provider:physical_network'];
  delete copy['provider:segmentation_id'];
  return copy;
}
