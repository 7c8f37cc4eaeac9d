// The line protocol of the probe loops that run on a node (guest AMQP, guest
// Swift), and its parser. The remote loop prints:
//   S <epoch_ms> <mono_ms>                       once, at start
//   A <mono_ms> <ok 0|1> <latency_ms> <detail>   one per attempt (detail: one word)
//   E <mono_ms> <stopped|deadline>               once, at the end
// Attempt times are the remote monotonic clock, placed on the remote wall
// clock through the S line (immune to a clock step mid-run), then moved onto
// ours by the measured clock offset (remote minus local).
import type { HistoryEntry } from './history.ts';

export interface ParsedProbeOutput {
  entries: HistoryEntry[];
  /** The loop printed its start line. */
  started: boolean;
  /** How the loop ended, if it printed its end line. */
  ended?: string;
  /** Lines that do not follow the protocol (e.g. a torn last line after a kill). */
  malformed: number;
}

export function parseProbeLines(stdout: string, op: string, clockOffsetMs = 0): ParsedProbeOutput {
  const out: ParsedProbeOutput = { entries: [], started: false, malformed: 0 };
  let epochAtStart = 0;
  let monoAtStart = 0;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(/\s+/);
    const num = (i: number) => Number(f[i]);
    if (f[0] === 'S' && f.length === 3 && Number.isFinite(num(1)) && Number.isFinite(num(2))) {
      out.started = true;
      epochAtStart = num(1);
      monoAtStart = num(2);
    } else if (f[0] === 'A' && out.started && f.length >= 4 && Number.isFinite(num(1)) && (f[2] === '0' || f[2] === '1') && Number.isFinite(num(3))) {
      const entry: HistoryEntry = { t: Math.round(epochAtStart + (num(1) - monoAtStart) - clockOffsetMs), op, ok: f[2] === '1', latencyMs: Math.round(num(3) * 10) / 10 };
      if (f[4]) entry.detail = f.slice(4).join(' ');
      out.entries.push(entry);
    } else if (f[0] === 'E' && out.started && f.length >= 2) {
      out.ended = f[2] ?? 'ended';
    } else {
      out.malformed++;
    }
  }
  return out;
}
