// freezeService: SIGSTOP a service's whole process tree (a hung process that
// still holds its sockets: peers see timeouts, not refusals); inverse: SIGCONT
// to the same pids. The pids are read before injecting and journalled, so a
// later heal thaws exactly those processes.
import type { FaultContext } from './context.ts';
import { defineFault, FaultPreconditionError, type Fault } from './fault.ts';
import { parsePids, processTreeCommand, signalCommand } from './shell.ts';

export function freezeService(ctx: FaultContext, service: string, node: string): Fault {
  ctx.control.resolve(service, node);
  return defineFault(ctx, {
    kind: 'freeze-service',
    target: `${service} on ${node}`,
    description: `freeze (SIGSTOP) the processes of ${service} on ${node}`,
    prepare: async () => {
      const main = await ctx.control.mainPid(service, node);
      if (main === null) throw new FaultPreconditionError(`cannot freeze ${service} on ${node}: it does not run, or its driver knows no main pid`);
      const tree = parsePids((await ctx.remote.exec(node, processTreeCommand(main))).stdout);
      const pids = tree.length > 0 ? tree : [main];
      return {
        // Thaw leaves first, so the parent wakes to children that already run.
        action: { op: 'signal', node, service, pids: [...pids].reverse(), signal: 'CONT' },
        facts: { mainPid: main, pids },
        // Parent first: a stopped parent cannot react to its children stopping.
        inject: async () => void (await ctx.remote.exec(node, signalCommand('STOP', pids))),
      };
    },
  });
}
