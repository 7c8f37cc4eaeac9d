// The fault library's public surface: fault kinds by os-faults names, the
// Injector (nemesis) and the journal replay.
export { faultContext, type FaultContext, type FaultContextOptions } from './context.ts';
export { FaultPreconditionError, type Fault } from './fault.ts';
export { killService } from './kill-service.ts';
export { stopService, stopServices, type ServiceInstanceTarget } from './stop-service.ts';
export { freezeService } from './freeze-service.ts';
export { stopGaleraNode } from './stop-galera-node.ts';
export { failKeepalivedMaster, type KeepalivedFailMode } from './fail-keepalived-master.ts';
export { partitionNode } from './partition-node.ts';
export { linkToxic, type LinkToxic } from './link-toxic.ts';
export { linkDown } from './link-down.ts';
export { Injector, FaultInjectionError, HealError, type FaultWindow, type InjectorOptions } from './injector.ts';
export { healJournal, type HealReport, type HealFailure } from './heal.ts';
export { describeInverse, parseInverseAction, type InverseAction } from './inverse.ts';
