// partitionNode: cut `node` off from `from` with iptables DROP rules on `node`
// (both directions, so neither side's packets arrive); with `tcpPorts`, only
// the traffic of those ports (one cluster: Galera's replication, say). Rules
// carry the comment trove-ha:<fault id>; the inverse deletes exactly those. Only the addresses the
// environment gives for the peers are cut: on a site whose cluster traffic
// uses other networks, partition those addresses with another fault.
import { ConfigError } from '../env/errors.ts';
import type { FaultContext } from './context.ts';
import { defineFault, newFaultId, type Fault } from './fault.ts';
import { deleteTaggedRules, insertDropRules, partitionTag } from './iptables.ts';

export function partitionNode(ctx: FaultContext, node: string, from: string[], opts: { tcpPorts?: number[] } = {}): Fault {
  const nodes = ctx.env.nodes;
  const def = nodes[node];
  if (!def) throw new ConfigError(`no node "${node}" in the environment's nodes`);
  if (from.length === 0) throw new ConfigError(`partitionNode(${node}): name at least one node to cut it from`);
  for (const peer of from) {
    if (!nodes[peer]) throw new ConfigError(`partitionNode(${node}): no node "${peer}" in the environment's nodes`);
    if (peer === node) throw new ConfigError(`partitionNode(${node}): cannot partition a node from itself`);
  }
  if (def.ssh.jumpHost && from.includes(def.ssh.jumpHost)) {
    throw new ConfigError(`partitionNode(${node}): the harness reaches ${node} through ${def.ssh.jumpHost}; cutting them apart would make the partition impossible to heal`);
  }
  const id = newFaultId('partition');
  const tag = partitionTag(id);
  const addresses = from.map((p) => nodes[p]!.address);
  const tcpPorts = opts.tcpPorts ?? [];
  const what = tcpPorts.length ? `TCP ports ${tcpPorts.join(', ')} of ` : '';
  return defineFault(
    ctx,
    {
      kind: 'partition-node',
      target: `${node} from ${from.join(', ')}${tcpPorts.length ? ` (TCP ${tcpPorts.join(', ')})` : ''}`,
      description: `partition ${node} from ${from.join(', ')} (iptables DROP of ${what}${addresses.join(', ')} on ${node}, tag ${tag})`,
      prepare: async () => ({
        action: { op: 'iptables-delete-tagged', node, tag },
        facts: { tag },
        inject: async () => {
          try {
            await ctx.remote.exec(node, insertDropRules(tag, addresses, tcpPorts));
          } catch (e) {
            // Some rules may be in: take them out now rather than leave half a partition.
            await ctx.remote.exec(node, deleteTaggedRules(tag)).catch(() => undefined);
            throw e;
          }
        },
      }),
    },
    id,
  );
}
