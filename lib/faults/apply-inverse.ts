// Applies one serialised inverse. Used by a fault's own heal() and by the
// journal replay alike; every branch is idempotent.
import type { FaultContext } from './context.ts';
import type { InverseAction } from './inverse.ts';
import { deleteTaggedRules } from './iptables.ts';
import { continueCommand, linkCommand } from './shell.ts';

export async function applyInverse(ctx: FaultContext, a: InverseAction): Promise<void> {
  switch (a.op) {
    case 'service-start':
      // Every driver's start of a running service succeeds.
      return ctx.control.start(a.service, a.node);
    case 'signal':
      await ctx.remote.exec(a.node, continueCommand(a.pids));
      return;
    case 'link-up':
      await ctx.remote.exec(a.node, linkCommand(a.ifname, 'up'));
      return;
    case 'iptables-delete-tagged':
      await ctx.remote.exec(a.node, deleteTaggedRules(a.tag));
      return;
    case 'toxic-remove':
      return ctx.toxiproxy().removeToxic(a.proxy, a.toxic);
    case 'proxy-enable':
      return ctx.toxiproxy().setEnabled(a.proxy, true);
  }
}
