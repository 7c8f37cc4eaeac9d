// stopGaleraNode: stop the database server of one Galera member. heal() only
// starts it again; waiting until it is Synced is the recovery check's job
// (lib/checks/galera.ts), because "started" and "rejoined" are different facts.
import { ConfigError } from '../env/errors.ts';
import type { FaultContext } from './context.ts';
import type { Fault } from './fault.ts';
import { stopService } from './stop-service.ts';

export function stopGaleraNode(ctx: FaultContext, node: string): Fault {
  const galera = ctx.env.galera;
  if (!galera) throw new ConfigError(`environment ${ctx.env.name} declares no galera section; stopGaleraNode needs one`);
  if (!galera.nodes.includes(node)) throw new ConfigError(`${node} is not a Galera node (galera.nodes: ${galera.nodes.join(', ')})`);
  return stopService(ctx, galera.service, node, 'stop-galera-node');
}
