// "No ERROR or Traceback in the service logs since T": a reader that marks where
// each log ends now and later reads only what was written after the mark (over
// SSH, bounded), and a pure judge over oslo.log lines.
import type { Environment } from '../env/schema.ts';
import type { RemoteExecutor } from '../remote/index.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import { fail, pass, type Finding } from './finding.ts';

export interface LogRef {
  service: string;
  node: string;
  file: string;
}

/** Byte offsets where each log ended when the mark was taken. */
export interface LogMark {
  takenAt: number;
  offsets: Record<string, number>;
}

/** The most read back from one log per check; enough for minutes of INFO logging. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

const key = (r: LogRef): string => `${r.node}:${r.file}`;

/** The logs the environment declares for these services (instances without `log` are skipped). */
export function serviceLogs(env: Environment, services: string[]): LogRef[] {
  return services.flatMap((service) =>
    Object.entries(env.services[service]?.instances ?? {}).flatMap(([node, i]) => (i.log ? [{ service, node, file: i.log }] : [])),
  );
}

/** The Trove services' logs (api, taskmanager, conductor on every node). */
export function troveLogs(env: Environment): LogRef[] {
  return serviceLogs(env, Object.values(env.trove.services));
}

export async function markLogs(remote: RemoteExecutor, logs: LogRef[]): Promise<LogMark> {
  const offsets: Record<string, number> = {};
  await Promise.all(
    logs.map(async (l) => {
      // A log not written yet has size 0: everything it gets later is new.
      const r = await remote.exec(l.node, `stat -c %s ${shellQuote(l.file)} 2>/dev/null || echo 0`);
      offsets[key(l)] = Number(r.stdout.trim()) || 0;
    }),
  );
  return { takenAt: Date.now(), offsets };
}

export interface LogTail {
  log: LogRef;
  lines: string[];
  /** The log shrank since the mark (rotated or truncated): read from its start. */
  rotated: boolean;
  /** More than MAX_READ_BYTES were written: only the first part was read. */
  truncated: boolean;
}

export async function readSince(remote: RemoteExecutor, mark: LogMark, logs: LogRef[]): Promise<LogTail[]> {
  return Promise.all(
    logs.map(async (log) => {
      const from = mark.offsets[key(log)] ?? 0;
      const f = shellQuote(log.file);
      // Size first, then the bytes after the mark (tail -c +N is 1-based).
      const r = await remote.exec(
        log.node,
        `s=$(stat -c %s ${f} 2>/dev/null || echo 0); echo "$s"; o=${from}; [ "$s" -lt "$o" ] && o=0; tail -c +$((o + 1)) ${f} 2>/dev/null | head -c ${MAX_READ_BYTES}`,
      );
      const nl = r.stdout.indexOf('\n');
      const size = Number(r.stdout.slice(0, nl)) || 0;
      const body = r.stdout.slice(nl + 1);
      const rotated = size < from;
      const written = rotated ? size : size - from;
      return { log, lines: body.split('\n').filter((l) => l.length > 0), rotated, truncated: written > MAX_READ_BYTES };
    }),
  );
}

export interface LogAllowance {
  /** Matches the first line of an oslo.log record. */
  pattern: RegExp;
  /** Why this ERROR is expected, for the report. */
  reason: string;
}

export interface LogErrorRecord {
  log: LogRef;
  /** First line of the record, then up to a few of its traceback lines. */
  lines: string[];
  allowedBecause?: string;
}

// oslo.log: "<date> <time> <pid> <LEVEL> <logger> [...] message"; every line of
// a multi-line record (its traceback too) repeats the same prefix.
const OSLO_LINE = /^(\S+ \S+ \d+) (ERROR|CRITICAL) /;
const OSLO_ANY_LEVEL = /^\S+ \S+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL|TRACE|AUDIT) /;
const MAX_LINES_PER_RECORD = 6;

/** Groups the ERROR/CRITICAL records and stray Traceback lines of each tail. */
export function errorRecords(tails: LogTail[], allowances: LogAllowance[] = []): LogErrorRecord[] {
  const out: LogErrorRecord[] = [];
  for (const t of tails) {
    let current: { prefix: string; rec: LogErrorRecord } | undefined;
    for (const line of t.lines) {
      const m = OSLO_LINE.exec(line);
      if (m) {
        if (current && current.prefix === m[1]) {
          if (current.rec.lines.length < MAX_LINES_PER_RECORD) current.rec.lines.push(line);
          continue;
        }
        const allowed = allowances.find((a) => a.pattern.test(line));
        current = { prefix: m[1]!, rec: { log: t.log, lines: [line], ...(allowed ? { allowedBecause: allowed.reason } : {}) } };
        out.push(current.rec);
      } else if (/^Traceback \(most recent call last\)/.test(line)) {
        // A traceback printed outside oslo.log (stderr of a crashing process).
        current = undefined;
        out.push({ log: t.log, lines: [line] });
      } else if (OSLO_ANY_LEVEL.test(line)) {
        current = undefined;
      }
      // Any other line without the prefix continues the current record's
      // message (oslo.db's "[SQL: SELECT 1]" and "(Background on this error
      // ...)"): the traceback lines after it, same prefix, still belong to it.
    }
  }
  return out;
}

/** One finding per log: clean, or the unexplained records (first lines) it holds. */
export function judgeLogs(tails: LogTail[], allowances: LogAllowance[] = []): Finding[] {
  const records = errorRecords(tails, allowances);
  return tails.map((t) => {
    const subject = `${t.log.service} on ${t.log.node}`;
    const mine = records.filter((r) => r.log === t.log);
    const bad = mine.filter((r) => !r.allowedBecause);
    const allowed = mine.length - bad.length;
    const note = `${t.rotated ? ' (log rotated since the mark: read from its start)' : ''}${t.truncated ? ` (only the first ${MAX_READ_BYTES} bytes read)` : ''}`;
    if (bad.length === 0) return pass('logs.clean', subject, `no ERROR or Traceback in ${t.lines.length} new line(s)${allowed ? `, ${allowed} expected record(s)` : ''}${note}`);
    return fail('logs.clean', subject, `${bad.length} ERROR/Traceback record(s) in ${t.log.file}${note}: ${bad.slice(0, 3).map((r) => r.lines[0]!.slice(0, 240)).join(' | ')}`);
  });
}

/** The ERROR records as text for a report attachment. */
export function describeLogErrors(tails: LogTail[], allowances: LogAllowance[] = []): string {
  const records = errorRecords(tails, allowances);
  if (records.length === 0) return 'no ERROR or Traceback records';
  return records.map((r) => `== ${r.log.service} on ${r.log.node} (${r.log.file})${r.allowedBecause ? ` [expected: ${r.allowedBecause}]` : ''}\n${r.lines.join('\n')}`).join('\n\n');
}
