// linkDown: toxiproxy's "down" — disable the proxy, so connections are refused
// and existing ones closed; inverse: enable it.
import { toxiproxyProxy, type FaultContext } from './context.ts';
import { defineFault, type Fault } from './fault.ts';

export function linkDown(ctx: FaultContext, proxy: string): Fault {
  toxiproxyProxy(ctx, proxy);
  return defineFault(ctx, {
    kind: 'link-down',
    target: `toxiproxy ${proxy}`,
    description: `disable toxiproxy proxy ${proxy} (link down) on ${ctx.toxiproxy().describe()}`,
    prepare: async () => ({
      action: { op: 'proxy-enable', proxy },
      inject: () => ctx.toxiproxy().setEnabled(proxy, false),
    }),
  });
}
