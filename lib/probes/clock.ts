// One clock for every timestamp a fault or probe records: wall-clock ms since
// the epoch, but advanced by the monotonic performance counter, so a history
// never runs backwards when NTP steps the system clock mid-run.
import { performance } from 'node:perf_hooks';

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
