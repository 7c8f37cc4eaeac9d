// failKeepalivedMaster: take the VIP away from the node holding it, three ways
// (figures in shared/design/lab-recipe-infra.md section 9):
//   stop     keepalived stops cleanly, sends a priority-0 advert: the backup takes
//            over after its skew time (~0.6 s).
//   crash    SIGKILL of keepalived and its VRRP child: no advert, the backup takes
//            over after 3*advert_int + skew, and the dead master KEEPS the VIP
//            configured (split brain) until keepalived starts again and removes
//            it at init — hence the inverse is a start, not nothing.
//   cut-link the VIP interface goes down (cable pulled); keepalived keeps running,
//            enters FAULT and drops the VIP; inverse: link up.
import { ConfigError } from '../env/errors.ts';
import { holdsAddress, readVipHolders } from '../checks/vip.ts';
import type { FaultContext } from './context.ts';
import { defineFault, FaultPreconditionError, type Fault, type Prepared } from './fault.ts';
import { checkIfname, crashTreeCommand, linkCommand } from './shell.ts';

export type KeepalivedFailMode = 'stop' | 'crash' | 'cut-link';

export function failKeepalivedMaster(ctx: FaultContext, vip: string, mode: KeepalivedFailMode): Fault {
  const def = ctx.env.vips[vip];
  if (!def) throw new ConfigError(`no VIP "${vip}" in the environment's vips (have: ${Object.keys(ctx.env.vips).join(', ') || 'none'})`);
  if (!['stop', 'crash', 'cut-link'].includes(mode)) throw new ConfigError(`keepalived fail mode "${mode}" is not one of stop, crash, cut-link`);
  const service = def.keepalived.service;
  for (const h of def.holders) ctx.control.resolve(service, h);
  const ifname = checkIfname(def.keepalived.interface);
  return defineFault(ctx, {
    kind: 'fail-keepalived-master',
    target: `VIP ${vip} ${def.address}`,
    description: `${mode} the keepalived master of VIP ${vip} (${def.address})`,
    prepare: async (): Promise<Prepared> => {
      const holding = await readVipHolders(ctx.remote, vip, def.address, def.holders);
      const unknown = Object.keys(holding.unknown);
      if (holding.holders.length !== 1 || unknown.length > 0) {
        throw new FaultPreconditionError(
          `cannot fail the keepalived master of VIP ${vip}: it needs exactly one holder, found ${holding.holders.join(', ') || 'none'}${unknown.length ? `; could not ask ${unknown.join(', ')}` : ''}`,
        );
      }
      const holder = holding.holders[0]!;
      if (mode === 'stop') return { action: { op: 'service-start', service, node: holder }, facts: { holder }, inject: () => ctx.control.stop(service, holder) };
      if (mode === 'crash') {
        const main = await ctx.control.mainPid(service, holder);
        if (main === null) throw new FaultPreconditionError(`cannot crash keepalived on ${holder}: the ${service} service reports no main pid`);
        return {
          action: { op: 'service-start', service, node: holder },
          facts: { holder, mainPid: main },
          inject: async () => void (await ctx.remote.exec(holder, crashTreeCommand(main))),
        };
      }
      await refuseCuttingOwnPath(ctx, holder, ifname);
      return {
        action: { op: 'link-up', node: holder, ifname },
        facts: { holder, ifname },
        inject: async () => void (await ctx.remote.exec(holder, linkCommand(ifname, 'down'))),
      };
    },
  });
}

/** Taking down the interface we reach the node through would leave nothing able to bring it up again. */
async function refuseCuttingOwnPath(ctx: FaultContext, node: string, ifname: string): Promise<void> {
  const address = ctx.env.nodes[node]?.address;
  if (!address) return;
  const r = await ctx.remote.exec(node, `ip -o -4 addr show dev ${ifname}`);
  if (holdsAddress(r.stdout, address)) {
    throw new FaultPreconditionError(`refusing to cut ${ifname} on ${node}: the harness reaches ${node} through ${address} on that interface, and could not bring it back up`);
  }
}
