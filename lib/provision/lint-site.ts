// `trove-ha provision --lint`: reads the trove-mgmt topology of a site as it
// is (Neutron through the admin session, keepalived.conf of each HAProxy node
// over SSH) and judges it (lint-judges.ts). Changes nothing.
import type { Finding } from '../checks/finding.ts';
import type { Environment } from '../env/schema.ts';
import type { NetworkClient, Network, Port, SecurityGroup } from '../openstack/network.ts';
import type { ComputeClient } from '../openstack/compute.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { desiredTopology, provisionOf, vipAddress } from './desired.ts';
import { judgeMgmtNetworks, judgeProxyPorts, judgeSecurityGroups, judgeVrrp, type MgmtNetworkState, type NodeKeepalived, type ProxyPortState } from './lint-judges.ts';
import { parseKeepalivedConfig } from './parse-keepalived.ts';

export interface LintSources {
  neutron: NetworkClient;
  nova: ComputeClient;
  /** keepalived.conf text of a node (rejects saying why it cannot be read); absent: the VRRP checks are skipped. */
  readKeepalived?: (node: string) => Promise<string>;
}

export function keepalivedOverSsh(env: Environment, remote: RemoteExecutor): (node: string) => Promise<string> {
  const path = provisionOf(env).keepalived.configPath;
  return async (node) => (await remote.exec(node, `cat ${shellQuote(path)}`)).stdout;
}

export async function lintSite(env: Environment, src: LintSources): Promise<Finding[]> {
  const p = provisionOf(env);
  const byName = async (name: string): Promise<Network | undefined> => (await src.neutron.listNetworks({ name })).find((n) => n.name === name);
  const networks = new Map<string, Network | undefined>();
  const mgmt: MgmtNetworkState[] = [];
  for (const n of p.managementNetworks) {
    const network = await byName(n.name);
    networks.set(n.name, network);
    mgmt.push({ name: n.name, ...(network ? { network } : {}), subnets: network ? await src.neutron.listSubnets({ network_id: network.id }) : [] });
  }
  const groups = new Map((await src.neutron.listSecurityGroups()).map((g) => [g.id, g] as const));
  const ports: ProxyPortState[] = [];
  for (const c of p.clusters) {
    for (const m of c.members) {
      const servers = await src.nova.serversNamed(m.node);
      const attached = servers[0] ? await src.neutron.listPorts({ device_id: servers[0].id }) : [];
      for (const net of c.networks) {
        const network = networks.get(net);
        // A port Nova made has no name: find it on the server; one made first (as provision does) by its name.
        let port: Port | undefined = network ? attached.find((x) => x.network_id === network.id) : undefined;
        if (!port && network) port = (await src.neutron.listPorts({ name: `${m.node}-${net}`, network_id: network.id }))[0];
        const portGroups = (port?.security_groups ?? []).map((id) => groups.get(id)).filter((g): g is SecurityGroup => !!g);
        ports.push({ node: m.node, network: net, vip: vipAddress(env, net), ...(port ? { port } : {}), groups: portGroups });
      }
    }
  }
  const hints = p.managementNetworks.map((n) => ({ name: n.name, cidr: n.cidr }));
  const vrrp: Finding[] = [];
  for (const c of src.readKeepalived ? p.clusters : []) {
    const read = src.readKeepalived!;
    const configs = await Promise.all(
      c.members.map(async ({ node }): Promise<NodeKeepalived> => {
        try {
          return { node, config: parseKeepalivedConfig(await read(node)) };
        } catch (e) {
          return { node, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
        }
      }),
    );
    vrrp.push(...judgeVrrp(configs, hints));
  }
  return [...judgeMgmtNetworks(mgmt), ...vrrp, ...judgeProxyPorts(ports), ...judgeSecurityGroups(ports, desiredTopology(env).securityGroup.rules)];
}
