// Probe histories and fault windows drawn for an operator: a compact text
// timeline (CI logs, assertion messages) and a self-contained SVG (Allure
// attachment; no scripts, fonts or external assets). One lane per probe,
// green where attempts succeeded, red where they failed, the fault window
// shaded, and labels (e.g. VIP holder changes) at their moments.
import type { HistoryEntry } from '../probes/history.ts';
import { attachSvg, attachText } from './allure.ts';

export interface TimelineLabel {
  t: number;
  text: string;
}

export interface TimelineLane {
  name: string;
  history: readonly HistoryEntry[];
  labels?: TimelineLabel[];
}

export interface TimelineFault {
  label: string;
  start: number;
  /** Absent: still active when the timeline was drawn. */
  end?: number;
}

export interface TimelineInput {
  title?: string;
  lanes: TimelineLane[];
  faults?: TimelineFault[];
}

export interface Segment {
  start: number;
  end: number;
  ok: boolean;
  count: number;
  details: string[];
}

/** Consecutive attempts with the same outcome, each attempt lasting until the next one starts. */
export function laneSegments(history: readonly HistoryEntry[]): Segment[] {
  const sorted = [...history].sort((a, b) => a.t - b.t);
  const out: Segment[] = [];
  sorted.forEach((e, i) => {
    const end = sorted[i + 1]?.t ?? e.t + Math.max(e.latencyMs, 1);
    const last = out[out.length - 1];
    if (last && last.ok === e.ok) {
      last.end = end;
      last.count++;
      if (e.detail && !last.details.includes(e.detail) && last.details.length < 5) last.details.push(e.detail);
    } else out.push({ start: e.t, end, ok: e.ok, count: 1, details: e.detail ? [e.detail] : [] });
  });
  return out;
}

/** A label wherever the holder set changes: "ha1 → ha2", "ha1 → ha1+ha2", "→ none". */
export function holderChangeLabels(samples: ReadonlyArray<{ t: number; holders: string[] }>): TimelineLabel[] {
  const out: TimelineLabel[] = [];
  let prev: string | undefined;
  for (const s of [...samples].sort((a, b) => a.t - b.t)) {
    const now = s.holders.length ? [...s.holders].sort().join('+') : 'none';
    if (prev !== undefined && now !== prev) out.push({ t: s.t, text: `${prev} → ${now}` });
    prev = now;
  }
  return out;
}

function range(input: TimelineInput): { from: number; to: number } {
  const times: number[] = [];
  for (const lane of input.lanes) for (const e of lane.history) times.push(e.t, e.t + e.latencyMs);
  for (const f of input.faults ?? []) times.push(f.start, ...(f.end !== undefined ? [f.end] : []));
  if (times.length === 0) return { from: 0, to: 1 };
  const from = Math.min(...times);
  return { from, to: Math.max(from + 1, ...times) };
}

const seconds = (ms: number) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s`;

export function renderTextTimeline(input: TimelineInput, width = 72): string {
  const { from, to } = range(input);
  const span = to - from;
  const col = (i: number) => [from + (span * i) / width, from + (span * (i + 1)) / width] as const;
  const nameWidth = Math.min(28, Math.max(5, ...input.lanes.map((l) => l.name.length)));
  const pad = (s: string) => (s.length > nameWidth ? `${s.slice(0, nameWidth - 1)}…` : s.padEnd(nameWidth));
  const lines: string[] = [];
  if (input.title) lines.push(input.title);
  lines.push(`t0 = ${new Date(from).toISOString()}, ${(span / 1000).toFixed(2)} s, one column = ${Math.max(1, Math.round(span / width))} ms; '=' ok, 'X' a failure, '#' fault active`);
  for (const f of input.faults ?? []) {
    let row = '';
    for (let i = 0; i < width; i++) {
      const [a, b] = col(i);
      row += a < (f.end ?? to) && b > f.start ? '#' : ' ';
    }
    lines.push(`${pad('fault')} |${row}|`);
  }
  for (const lane of input.lanes) {
    const segments = laneSegments(lane.history);
    let row = '';
    for (let i = 0; i < width; i++) {
      const [a, b] = col(i);
      const over = segments.filter((s) => s.start < b && s.end > a);
      // Any failure in a column shows: a 100 ms outage must not vanish in a 1 s column.
      row += over.some((s) => !s.ok) ? 'X' : over.length ? '=' : ' ';
    }
    lines.push(`${pad(lane.name)} |${row}|`);
  }
  lines.push(`${' '.repeat(nameWidth)} ${'0 s'.padEnd(width - 8)}${`${(span / 1000).toFixed(1)} s`.padStart(9)}`);
  for (const f of input.faults ?? []) lines.push(`fault ${f.label}: ${seconds(f.start - from)} .. ${f.end !== undefined ? `${seconds(f.end - from)} (${((f.end - f.start) / 1000).toFixed(2)} s)` : 'still active'}`);
  for (const lane of input.lanes) {
    const bad = laneSegments(lane.history).filter((s) => !s.ok);
    for (const s of bad) lines.push(`${lane.name}: failing ${seconds(s.start - from)} .. ${seconds(s.end - from)} (${s.count} attempts${s.details.length ? `: ${s.details.join(', ')}` : ''})`);
    for (const l of lane.labels ?? []) lines.push(`${lane.name}: ${l.text} at ${seconds(l.t - from)}`);
  }
  return lines.join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

export function renderSvgTimeline(input: TimelineInput): string {
  const { from, to } = range(input);
  // The label column fits the longest lane name (about 7 px a character at
  // 12 px sans-serif), so names that differ only at the end (ports) stay apart.
  const longest = Math.max(0, ...input.lanes.map((l) => l.name.length));
  const maxChars = 60;
  const left = Math.min(20 + Math.min(longest, maxChars) * 7, 20 + maxChars * 7);
  const plot = 760;
  const laneH = 34;
  const top = input.title ? 44 : 20;
  const height = top + input.lanes.length * laneH + 40;
  const width = left + plot + 20;
  const x = (t: number) => (left + ((t - from) / (to - from)) * plot).toFixed(1);
  const w = (a: number, b: number) => Math.max(0.5, ((b - a) / (to - from)) * plot).toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  if (input.title) parts.push(`<text x="10" y="24" font-size="15" font-weight="bold">${xml(input.title)}</text>`);
  const bottom = top + input.lanes.length * laneH;
  for (const f of input.faults ?? []) {
    const end = f.end ?? to;
    parts.push(`<rect x="${x(f.start)}" y="${top - 6}" width="${w(f.start, end)}" height="${bottom - top + 12}" fill="#f5a623" fill-opacity="0.18" stroke="#f5a623" stroke-dasharray="4 3"><title>${xml(`fault ${f.label}: ${seconds(f.start - from)} .. ${f.end !== undefined ? seconds(f.end - from) : 'still active'}`)}</title></rect>`);
    parts.push(`<text x="${x(f.start)}" y="${bottom + 18}" fill="#b36b00">${xml(`fault: ${f.label}`)}</text>`);
  }
  input.lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    parts.push(`<text x="10" y="${y + 19}">${xml(lane.name.length > maxChars ? `…${lane.name.slice(-(maxChars - 1))}` : lane.name)}<title>${xml(lane.name)}</title></text>`);
    parts.push(`<rect x="${left}" y="${y + 8}" width="${plot}" height="14" fill="#eeeeee"/>`);
    for (const s of laneSegments(lane.history)) {
      const tip = `${s.ok ? 'ok' : 'FAILED'} ${s.count} attempt(s) ${seconds(s.start - from)} .. ${seconds(s.end - from)}${s.details.length ? `: ${s.details.join(', ')}` : ''}`;
      parts.push(`<rect x="${x(s.start)}" y="${y + 8}" width="${w(s.start, s.end)}" height="14" fill="${s.ok ? '#2e9e44' : '#d0312d'}"><title>${xml(tip)}</title></rect>`);
    }
    for (const l of lane.labels ?? []) {
      parts.push(`<line x1="${x(l.t)}" y1="${y + 4}" x2="${x(l.t)}" y2="${y + 26}" stroke="#1f3a93" stroke-width="1.5"/>`);
      parts.push(`<text x="${x(l.t)}" y="${y + 33}" font-size="10" fill="#1f3a93">${xml(l.text)}</text>`);
    }
  });
  parts.push(`<text x="${left}" y="${height - 6}" font-size="10" fill="#555555">${xml(`0 s = ${new Date(from).toISOString()}`)}</text>`);
  parts.push(`<text x="${left + plot}" y="${height - 6}" font-size="10" fill="#555555" text-anchor="end">${xml(`${((to - from) / 1000).toFixed(2)} s`)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Both renderings, attached to the current Allure test. */
export async function attachTimeline(name: string, input: TimelineInput): Promise<void> {
  await attachText(`${name} (timeline)`, renderTextTimeline(input));
  await attachSvg(`${name} (timeline)`, renderSvgTimeline(input));
}
