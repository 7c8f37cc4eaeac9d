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
