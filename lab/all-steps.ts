// The lab's steps, in build order (teardown runs them in reverse). Steps in one
// stage do not depend on each other and are built at the same time: Galera and
// RabbitMQ each spend most of their time waiting for their own cluster to form.
import type { LabStep } from './step.ts';
import { networkStep } from './steps/network.ts';
import { nodesStep } from './steps/nodes.ts';
import { galeraStep } from './steps/galera.ts';
import { rabbitmqStep } from './steps/rabbitmq.ts';
import { loadBalancersStep } from './steps/loadbalancers.ts';
import { keystone } from './steps/keystone.ts';
import { swift } from './steps/swift.ts';
import { cloudStep } from './steps/cloud.ts';
import { troveStep } from './steps/trove.ts';
import { proxiesStep } from './steps/proxies.ts';

/** One entry of a stage: a step, or a chain of steps run one after the other. */
export type StageEntry = LabStep | LabStep[];

export function labStages(): StageEntry[][] {
  // Swift and the lab cloud only need Keystone. Trove needs the lab cloud's
  // catalog entries before its daemons start (they cache the catalog), but not
  // Swift: the chain cloud -> trove runs beside Swift. The trove-mgmt HAProxy
  // nodes are lab cloud servers that `trove-ha provision` builds; their
  // backends (RabbitMQ, Swift) and the trove-mgmt networks (trove step) come first.
  return [[networkStep], [nodesStep], [galeraStep, rabbitmqStep], [loadBalancersStep], [keystone], [swift, [cloudStep, troveStep]], [proxiesStep]];
}

export async function labSteps(): Promise<LabStep[]> {
  return labStages().flat(2);
}
