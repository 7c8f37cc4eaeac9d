// killService: signal a service's main process (SIGKILL by default, a crash);
// inverse: start the service (a no-op if its supervisor already restarted it).
import type { Signal } from '../topology/service-driver.ts';
import type { FaultContext } from './context.ts';
import { defineFault, type Fault } from './fault.ts';

export function killService(ctx: FaultContext, service: string, node: string, signal: Signal = 'KILL'): Fault {
  ctx.control.resolve(service, node); // a wrong name fails now, as ConfigError, not mid-scenario
  return defineFault(ctx, {
    kind: 'kill-service',
    target: `${service} on ${node}`,
    description: `send SIG${signal} to the main process of ${service} on ${node}`,
    prepare: async () => ({
      action: { op: 'service-start', service, node },
      inject: () => ctx.control.kill(service, node, signal),
    }),
  });
}
