// Judges what instanceWatchProbe recorded: no instance made before the faults
// went to ERROR while a fault acted, and how long each guest went without a
// heartbeat (the gap between consecutive service_status_updated values seen).
import type { InstanceSample } from '../probes/instance-watch-probe.ts';
import { fail, pass, type Finding } from './finding.ts';

const BROKEN = /^(ERROR|FAILED|SHUTDOWN)$/;

export interface InstanceWatchResult {
  findings: Finding[];
  /** Per instance: the longest interval between two heartbeats seen, ms. */
  longestHeartbeatGapMs: Record<string, number>;
}

export function judgeInstanceWatch(samples: readonly InstanceSample[]): InstanceWatchResult {
  const findings: Finding[] = [];
  const longestHeartbeatGapMs: Record<string, number> = {};
  for (const id of [...new Set(samples.map((s) => s.instance))].sort()) {
    const mine = samples.filter((s) => s.instance === id).sort((a, b) => a.t - b.t);
    const answered = mine.filter((s) => s.ok);
    const subject = `instance ${id}`;
    const broken = answered.filter((s) => BROKEN.test(s.status ?? ''));
    const states = [...new Set(answered.map((s) => `${s.status}/${s.operatingStatus}`))];
    if (answered.length === 0) findings.push(fail('instance.watched', subject, `Trove never answered for it (${mine.length} attempts)`));
    else if (broken.length) findings.push(fail('instance.not-error', subject, `went ${broken[0]!.status} (states seen: ${states.join(', ')})`));
    else findings.push(pass('instance.not-error', subject, `states seen: ${states.join(', ')} in ${answered.length} samples`));
    const beats = [...new Set(answered.map((s) => s.heartbeatAt).filter((h): h is number => h !== undefined))].sort((a, b) => a - b);
    longestHeartbeatGapMs[id] = beats.slice(1).reduce((m, b, i) => Math.max(m, b - beats[i]!), 0);
  }
  return { findings, longestHeartbeatGapMs };
}
