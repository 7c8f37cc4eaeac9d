// What Neutron clients probe before they act: the version document at /, the
// resource list at /v2.0, and /v2.0/extensions (openstacksdk and OSC check
// aliases such as security-group, allowed-address-pairs, provider).
import { notFound } from '../errors.ts';
import { empty, json, type Router } from '../router.ts';

const EXTENSIONS: [alias: string, name: string, description: string][] = [
  ['address-scope', 'Address scope', 'Address scopes extension.'],
  ['agent', 'agent', 'The agent management extension.'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['default-subnetpools', 'Default Subnetpools', 'Provides ability to mark and use a subnetpool as the default.'],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['extra_dhcp_opt', 'Neutron Extra DHCP options', 'Extra options configuration for DHCP.'],
  ['ip-substring-filtering', 'IP address substring filtering', 'Provides IP address substring filtering when listing ports'],
  ['multi-provider', 'Multi Provider Network', 'Expose mapping of virtual networks to multiple physical networks'],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.'],
  ['pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per project'],
  ['security-group', 'security-group', 'The security groups extension.'],
  ['sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  ['standard-attr-tag', 'Tag support for resources with standard attribute', 'Enables to set tag on resources with standard attribute.'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  ['stateful-security-group', 'Stateful security group', 'Indicates if the security group is stateful or not'],
  ['subnet_allocation', 'Subnet Allocation', 'Enables allocation of subnets from a subnet pool'],
];

const RESOURCES = ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules', 'floatingips', 'routers', 'extensions'];

export function registerDiscovery(router: Router): void {
  const versions = (baseUrl: string) => ({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${baseUrl}/v2.0/` }] }] });
  router.add('GET', '/', (ctx) => json(200, versions(ctx.baseUrl)), { public: true });
  const resources = (baseUrl: string) => ({
    resources: RESOURCES.map((r) => ({ name: r.replace(/s$/, '').replace(/-/g, '_'), collection: r.replace(/-/g, '_'), links: [{ rel: 'self', href: `${baseUrl}/v2.0/${r}` }] })),
  });
  router.add('GET', '/v2.0', (ctx) => json(200, resources(ctx.baseUrl)), { public: true });
  router.add('GET', '/v2.0/extensions', () => json(200, { extensions: EXTENSIONS.map(ext) }));
  router.add('GET', '/v2.0/extensions/:alias', (ctx) => {
    const e = EXTENSIONS.find(([a]) => a === ctx.params.alias);
    if (!e) throw notFound(`Extension with alias ${ctx.params.alias} does not exist`, 'HTTPNotFound');
    return json(200, { extension: ext(e) });
  });
  // Resources the lab has none of, listed empty so callers (Trove's port cleanup) get what Neutron says.
  for (const [path, key] of [['floatingips', 'floatingips'], ['routers', 'routers'], ['subnetpools', 'subnetpools'], ['network-ip-availabilities', 'network_ip_availabilities'], ['qos/policies', 'policies'], ['trunks', 'trunks']] as const) {
    router.add('GET', `/v2.0/${path}`, () => json(200, { [key]: [] }));
  }
  router.add('GET', '/v2.0/floatingips/:id', (ctx) => {
    throw notFound(`Floating IP ${ctx.params.id} could not be found`, 'FloatingIPNotFound');
  });
  router.add('DELETE', '/v2.0/floatingips/:id', (ctx) => {
    throw notFound(`Floating IP ${ctx.params.id} could not be found`, 'FloatingIPNotFound');
  });
}

function ext([alias, name, description]: [string, string, string]) {
  return { alias, name, description, updated: '2013-01-20T00:00:00-00:00', links: [] };
}
