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

export function labStages(): LabStep[][] {
  return [[networkStep], [nodesStep], [galeraStep, rabbitmqStep], [loadBalancersStep], [keystone], [swift]];
}

export async function labSteps(): Promise<LabStep[]> {
  return labStages().flat();
}
