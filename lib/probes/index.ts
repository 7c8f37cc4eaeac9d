// Probes that run during a fault and record timestamped histories.
export { nowMs } from './clock.ts';
export type { History, HistoryEntry, Probe } from './history.ts';
export { vipHolderProbe, type VipSample, type VipHolderProbeOptions } from './vip-holder-probe.ts';
export { guestAmqpProbe, type GuestAmqpProbeOptions } from './guest-amqp-probe.ts';
export { guestSwiftProbe, type GuestSwiftProbeOptions } from './guest-swift-probe.ts';
export { apiProbe, type ApiProbeOptions } from './api-probe.ts';
export { sqlWriteProbe, sqlEndpointFromEnv, type SqlEndpoint, type SqlWriteProbe, type WriteEntry } from './sql-write-probe.ts';
export { parseProbeLines } from './probe-lines.ts';
export { measureClockOffset, type ClockOffset } from './clock-offset.ts';
export type { RemoteLoopProbe } from './remote-loop-probe.ts';
export { instanceWatchProbe, troveTime, type InstanceSample, type InstanceWatchOptions } from './instance-watch-probe.ts';
