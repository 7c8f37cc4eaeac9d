// Checkers over probe histories (Jepsen: probes record, checks judge). Pure:
// same history in, same figures and findings out, so they are tested on
// synthetic histories and can be re-run on a saved one. Each returns the
// measured figures for the report next to its findings.
import type { HistoryEntry } from '../probes/history.ts';
import { fail, pass, type Finding } from './finding.ts';

const byTime = <E extends HistoryEntry>(h: readonly E[]): E[] => [...h].sort((a, b) => a.t - b.t);

export interface OutageWindow {
  /** First failed attempt. */
  start: number;
  /** First successful attempt after the run (recovery observed); for an open window, the last failure's end. */
  end: number;
  durationMs: number;
  /** Failed attempts in the window. */
  count: number;
  /** No success followed: the probe ended while still failing. */
  open: boolean;
  /** Distinct failure details, in order of first appearance. */
  details: string[];
}

export interface OutageResult {
  windows: OutageWindow[];
  total: number;
  failed: number;
  longestMs: number;
  findings: Finding[];
}

export interface OutageOptions {
  subject?: string;
  /** Longest acceptable outage; without it outages are measured, not judged (only a non-recovery fails). */
  maxOutageMs?: number;
}

/** Maximal runs of failed attempts. */
export function outageWindows(history: readonly HistoryEntry[], o: OutageOptions = {}): OutageResult {
  const subject = o.subject ?? history[0]?.op ?? 'probe';
  const windows: OutageWindow[] = [];
  let current: OutageWindow | undefined;
  for (const e of byTime(history)) {
    if (!e.ok) {
      current ??= { start: e.t, end: e.t + e.latencyMs, durationMs: 0, count: 0, open: true, details: [] };
      current.count++;
      current.end = e.t + e.latencyMs;
      if (e.detail && !current.details.includes(e.detail)) current.details.push(e.detail);
    } else if (current) {
      windows.push({ ...current, end: e.t, open: false });
      current = undefined;
    }
  }
  if (current) windows.push(current);
  for (const w of windows) w.durationMs = Math.round(w.end - w.start);
  const failed = windows.reduce((n, w) => n + w.count, 0);
  const longestMs = Math.max(0, ...windows.map((w) => w.durationMs));
  const findings: Finding[] = [];
  if (history.length === 0) findings.push(fail('probe.samples', subject, 'the probe recorded nothing: no evidence either way'));
  else {
    const summary = `${windows.length} outage(s), ${failed} of ${history.length} attempts failed, longest ${longestMs} ms`;
    const open = windows.find((w) => w.open);
    findings.push(open ? fail('probe.recovered', subject, `still failing when the probe ended (since ${open.count} attempts, ${open.durationMs} ms: ${open.details.join(', ')})`) : pass('probe.recovered', subject, summary));
    if (o.maxOutageMs !== undefined) {
      findings.push(longestMs <= o.maxOutageMs ? pass('probe.outage-bound', subject, `longest outage ${longestMs} ms <= ${o.maxOutageMs} ms`) : fail('probe.outage-bound', subject, `longest outage ${longestMs} ms > ${o.maxOutageMs} ms (${summary})`));
    }
  }
  return { windows, total: history.length, failed, longestMs, findings };
}

/** What the VIP holder probe records (lib/probes/vip-holder-probe.ts VipSample). */
export interface HolderSample {
  t: number;
  holders: string[];
  unknown?: string[];
}

export interface HolderInterval {
  start: number;
  /** First sample after the interval, or the last sample in it when it never ended. */
  end: number;
  durationMs: number;
  open: boolean;
  /** Every node that held the VIP during the interval. */
  holders: string[];
}

export interface VipMoveOptions {
  /** The fault window's start. */
  injectedAt: number;
  /** The holder before the fault; default: the single holder of the last sample before injectedAt. */
  from?: string;
  subject?: string;
  /** A move slower than this fails (e.g. keepalivedBound(...) plus a poll interval). */
  maxMoveMs?: number;
  /** Longest tolerated overlap of two holders per interval (a handover), ms; default 0. */
  allowSplitBrainMs?: number;
  /** Longest tolerated interval without holder; default maxMoveMs, else measured only. */
  allowNoHolderMs?: number;
  /**
   * A crashed master keeps its VIP configured until its keepalived starts again
   * (recipe gotcha 9): split brain between it and the takeover that ends by this
   * time (the heal) plus allowSplitBrainMs is that stale VIP, reported as such;
   * only split brain beyond it fails.
   */
  staleUntil?: number;
}

export interface VipMoveResult {
  initialHolder?: string;
  newHolder?: string;
  movedAt?: number;
  /** From injectedAt to the first sample where another node holds it (the takeover). */
  moveMs?: number;
  /** Every interval with several holders, stale ones included. */
  splitBrain: HolderInterval[];
  /** Total of the split brain explained by a crashed master's stale VIP (see staleUntil). */
  staleMs?: number;
  noHolder: HolderInterval[];
  findings: Finding[];
}

export function vipMoves(samples: readonly HolderSample[], o: VipMoveOptions): VipMoveResult {
  const subject = o.subject ?? 'VIP';
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  // A sample with an unanswered candidate does not say how many hold the VIP.
  const known = sorted.filter((s) => (s.unknown ?? []).length === 0);
  const initialHolder = o.from ?? [...known].reverse().find((s) => s.t < o.injectedAt && s.holders.length === 1)?.holders[0];
  // The move is the takeover: the first sample where another node holds it
  // (alone, or beside a crashed master's stale copy).
  const moved = known.find((s) => s.t >= o.injectedAt && s.holders.some((h) => h !== initialHolder));
  const splitBrain = intervals(known, (s) => s.holders.length >= 2);
  const noHolder = intervals(known, (s) => s.holders.length === 0);
  const result: VipMoveResult = { splitBrain, noHolder, findings: [], ...(initialHolder ? { initialHolder } : {}) };
  if (moved) Object.assign(result, { newHolder: moved.holders.find((h) => h !== initialHolder), movedAt: moved.t, moveMs: Math.round(moved.t - o.injectedAt) });

  const f = result.findings;
  if (known.length === 0) f.push(fail('vip.samples', subject, 'no complete holder sample recorded'));
  if (!initialHolder) f.push(fail('vip.moved', subject, 'no single holder before the fault: cannot tell a move'));
  else if (result.moveMs === undefined) f.push(fail('vip.moved', subject, `never moved away from ${initialHolder}`));
  else if (o.maxMoveMs !== undefined && result.moveMs > o.maxMoveMs) f.push(fail('vip.moved', subject, `moved ${initialHolder} -> ${result.newHolder} in ${result.moveMs} ms > ${o.maxMoveMs} ms`));
  else f.push(pass('vip.moved', subject, `moved ${initialHolder} -> ${result.newHolder} in ${result.moveMs} ms${o.maxMoveMs !== undefined ? ` <= ${o.maxMoveMs} ms` : ''}`));

  const allowSplit = o.allowSplitBrainMs ?? 0;
  const describe = (list: HolderInterval[]): string => list.map((i) => `${i.holders.join('+')} for ${i.durationMs} ms${i.open ? ' (still at the end)' : ''}`).join('; ');
  const isStale = (i: HolderInterval): boolean =>
    o.staleUntil !== undefined && !i.open && i.start >= o.injectedAt && i.end <= o.staleUntil + allowSplit && !!initialHolder && i.holders.includes(initialHolder);
  const stale = splitBrain.filter(isStale);
  const unexplained = splitBrain.filter((i) => !isStale(i));
  result.staleMs = stale.reduce((n, i) => n + i.durationMs, 0);
  const splitMs = unexplained.reduce((n, i) => n + i.durationMs, 0);
  const staleText = stale.length ? `; stale VIP kept by the crashed ${initialHolder} until its keepalived started again: ${describe(stale)}` : '';
  if (unexplained.length === 0) f.push(pass('vip.split-brain', subject, stale.length ? `detected${staleText}` : 'never held by two nodes at once'));
  // Judged per interval: a failover and the failback after the heal each have
  // their own brief overlap; only one that lasts longer is split brain.
  else if (unexplained.some((i) => i.open || i.durationMs > allowSplit)) f.push(fail('vip.split-brain', subject, `held by several nodes at once: ${describe(unexplained)}${staleText}`));
  else f.push(pass('vip.split-brain', subject, `${unexplained.length} handover overlap(s), ${splitMs} ms in all, each within the allowed ${allowSplit} ms: ${describe(unexplained)}${staleText}`));

  const longestGap = Math.max(0, ...noHolder.map((i) => i.durationMs));
  const allowGap = o.allowNoHolderMs ?? o.maxMoveMs;
  const gapText = `${noHolder.length} interval(s) without holder, longest ${longestGap} ms`;
  if (allowGap !== undefined && longestGap > allowGap) f.push(fail('vip.no-holder', subject, `${gapText} > ${allowGap} ms`));
  else f.push(pass('vip.no-holder', subject, gapText));
  return result;
}

function intervals(samples: readonly HolderSample[], inState: (s: HolderSample) => boolean): HolderInterval[] {
  const out: HolderInterval[] = [];
  let cur: { start: number; last: number; holders: Set<string> } | undefined;
  const close = (end: number, open: boolean) => {
    if (!cur) return;
    out.push({ start: cur.start, end, durationMs: Math.round(end - cur.start), open, holders: [...cur.holders].sort() });
    cur = undefined;
  };
  for (const s of samples) {
    if (inState(s)) {
      cur ??= { start: s.t, last: s.t, holders: new Set() };
      cur.last = s.t;
      for (const h of s.holders) cur.holders.add(h);
    } else close(s.t, false);
  }
  if (cur) close(cur.last, true);
  return out;
}

export interface LostWritesResult {
  acknowledged: number;
  found: number;
  /** Acknowledged keys absent from the final read, ascending. */
  missing: number[];
  /** Keys present although never acknowledged (indeterminate writes that committed): legal, reported. */
  unacknowledgedPresent: number[];
  findings: Finding[];
}

/** Every acknowledged write must be in the final read. */
export function lostWrites(acknowledgedKeys: readonly number[], finalRead: readonly number[], subject = 'SQL writes'): LostWritesResult {
  const present = new Set(finalRead);
  const acked = new Set(acknowledgedKeys);
  const missing = [...acked].filter((k) => !present.has(k)).sort((a, b) => a - b);
  const unacknowledgedPresent = [...present].filter((k) => !acked.has(k)).sort((a, b) => a - b);
  const findings: Finding[] = [];
  if (acked.size === 0) findings.push(fail('sql.no-lost-writes', subject, 'no write was acknowledged: nothing to verify'));
  else if (missing.length > 0) findings.push(fail('sql.no-lost-writes', subject, `${missing.length} of ${acked.size} acknowledged writes are missing: keys ${abbreviate(missing)}`));
  else findings.push(pass('sql.no-lost-writes', subject, `all ${acked.size} acknowledged writes are present${unacknowledgedPresent.length ? ` (+${unacknowledgedPresent.length} unacknowledged that committed)` : ''}`));
  return { acknowledged: acked.size, found: present.size, missing, unacknowledgedPresent, findings };
}

export interface FailedRequestsResult {
  total: number;
  failed: number;
  /** Failures by detail ("HTTP 503", "no answer (ECONNREFUSED)"). */
  byDetail: Record<string, number>;
  findings: Finding[];
}

export function failedRequests(history: readonly HistoryEntry[], o: { subject?: string; maxFailed?: number } = {}): FailedRequestsResult {
  const subject = o.subject ?? history[0]?.op ?? 'API';
  const bad = history.filter((e) => !e.ok);
  const byDetail: Record<string, number> = {};
  for (const e of bad) byDetail[e.detail ?? 'unknown'] = (byDetail[e.detail ?? 'unknown'] ?? 0) + 1;
  const text = `${bad.length} of ${history.length} requests failed${bad.length ? ` (${Object.entries(byDetail).map(([d, n]) => `${n}x ${d}`).join(', ')})` : ''}`;
  const findings: Finding[] = [];
  if (history.length === 0) findings.push(fail('api.requests', subject, 'no request was made'));
  else if (o.maxFailed !== undefined && bad.length > o.maxFailed) findings.push(fail('api.failed-requests', subject, `${text} > ${o.maxFailed} allowed`));
  else findings.push(pass('api.failed-requests', subject, text));
  return { total: history.length, failed: bad.length, byDetail, findings };
}

/**
 * The longest a keepalived backup waits before taking over after the master
 * falls silent (crash, cut link): master-down interval = 3 * advert_int + skew,
 * skew = (256 - priority) / 256 s, priority being the BACKUP's. Milliseconds.
 * A clean stop sends a priority-0 advert and is faster (skew only).
 */
export function keepalivedBound(advertIntSeconds: number, backupPriority: number): number {
  if (!(advertIntSeconds > 0)) throw new RangeError(`advert_int must be > 0 s, got ${advertIntSeconds}`);
  if (!Number.isInteger(backupPriority) || backupPriority < 1 || backupPriority > 255) throw new RangeError(`priority must be an integer 1..255, got ${backupPriority}`);
  return Math.round((3 * advertIntSeconds + (256 - backupPriority) / 256) * 1000);
}

function abbreviate(keys: number[], max = 20): string {
  return keys.length <= max ? keys.join(', ') : `${keys.slice(0, max).join(', ')}, … (${keys.length - max} more)`;
}
