// stopService: a clean stop through the service's driver; inverse: start.
import type { FaultContext } from './context.ts';
import { defineFault, type Fault } from './fault.ts';

export function stopService(ctx: FaultContext, service: string, node: string, kind = 'stop-service'): Fault {
  ctx.control.resolve(service, node);
  return defineFault(ctx, {
    kind,
    target: `${service} on ${node}`,
    description: `stop ${service} on ${node}`,
    prepare: async () => ({
      action: { op: 'service-start', service, node },
      inject: () => ctx.control.stop(service, node),
    }),
  });
}

export interface ServiceInstanceTarget {
  service: string;
  node: string;
}

/**
 * Several services stopped together (the documents' "take down the
 * taskmanager and the conductor that handled it"); one journal entry whose
 * inverse starts them all. `pick` runs at prepare time, so the targets can be
 * read from the site then (e.g. from the logs of a request made just before).
 */
export function stopServices(ctx: FaultContext, what: string, pick: () => Promise<ServiceInstanceTarget[]>, kind = 'stop-services'): Fault {
  return defineFault(ctx, {
    kind,
    target: what,
    description: `stop ${what}`,
    prepare: async () => {
      const targets = await pick();
      if (targets.length === 0) throw new Error(`stop ${what}: nothing to stop`);
      for (const t of targets) ctx.control.resolve(t.service, t.node);
      return {
        action: { op: 'services-start', instances: targets },
        facts: Object.fromEntries(targets.map((t) => [t.service, t.node])),
        inject: async () => {
          for (const t of targets) await ctx.control.stop(t.service, t.node);
        },
      };
    },
  });
}
