import assert from 'node:assert/strict';
import type { HistoryEntry } from '../../lib/probes/history.ts';
import { holderChangeLabels, laneSegments, renderSvgTimeline, renderTextTimeline, type TimelineInput } from '../../lib/report/timeline.ts';

/** A minimal XML well-formedness check: balanced tags, quoted attributes, known entities only. */
function assertWellFormedXml(text: string): void {
  const stack: string[] = [];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  let m: RegExpExecArray | null;
  let roots = 0;
  while ((m = token.exec(text))) {
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    if (m[0] === '<' || m[0] === '&') assert.fail(`stray "${m[0]}" at ${m.index}: ${text.slice(m.index, m.index + 40)}`);
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `closing </${name}> at ${m.index}`);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const lane = (pattern: string, step = 100): HistoryEntry[] => [...pattern].map((c, i) => ({ t: T0 + i * step, op: 'x', ok: c === '.', latencyMs: 5, ...(c === 'x' ? { detail: 'connect-timeout' } : {}) }));

const input: TimelineInput = {
  title: 'keepalived crash on ha1 <VIP trove-mgmt1> & "friends"',
  lanes: [
    { name: 'guest AMQP 198.18.10.5:5672 from probe1', history: lane('....xxxx......') },
    { name: 'VIP trove-mgmt1 holders', history: lane('....x.........'), labels: holderChangeLabels([{ t: T0, holders: ['ha1'] }, { t: T0 + 400, holders: ['ha1', 'ha2'] }, { t: T0 + 500, holders: ['ha2'] }]) },
  ],
  faults: [{ label: 'crash keepalived master of trove-mgmt1', start: T0 + 350, end: T0 + 1000 }],
};

describe('timeline rendering', () => {
  it('merges attempts into ok/failed segments, each lasting until the next attempt', () => {
    assert.deepEqual(laneSegments(lane('..xx.')).map((s) => [s.start - T0, s.end - T0, s.ok, s.count]), [
      [0, 200, true, 2],
      [200, 400, false, 2],
      [400, 405, true, 1],
    ]);
  });

  it('labels holder changes', () => {
    assert.deepEqual(input.lanes[1]!.labels!.map((l) => [l.t - T0, l.text]), [
      [400, 'ha1 → ha1+ha2'],
      [500, 'ha1+ha2 → ha2'],
    ]);
  });

  it('renders a text timeline with the fault row, lanes and the failure list', () => {
    const text = renderTextTimeline(input, 14);
    const rows = text.split('\n');
    assert.equal(rows[0], input.title);
    assert.match(rows[1]!, /^t0 = 2026-01-01T00:00:00.000Z, 1.30 s/);
    const row = (prefix: string) => rows.find((r) => r.startsWith(prefix))!.split('|')[1]!;
    assert.equal(row('fault'), '   ########   ');
    assert.equal(row('guest AMQP'), '====XXXXX=====');
    assert.match(text, /fault crash keepalived master of trove-mgmt1: \+0.35 s .. \+1.00 s \(0.65 s\)/);
    assert.match(text, /guest AMQP 198.18.10.5:5672 from probe1: failing \+0.40 s .. \+0.80 s \(4 attempts: connect-timeout\)/);
    assert.match(text, /VIP trove-mgmt1 holders: ha1 → ha1\+ha2 at \+0.40 s/);
  });

  it('renders a well-formed, self-contained SVG with escaped text', () => {
    const svg = renderSvgTimeline(input);
    assertWellFormedXml(svg);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(!/href|<script|url\(/.test(svg), 'no external assets or scripts');
    assert.match(svg, /keepalived crash on ha1 &lt;VIP trove-mgmt1&gt; &amp; &quot;friends&quot;/);
    assert.equal((svg.match(/fill="#d0312d"/g) ?? []).length, 2, 'one red segment per lane');
    assert.match(svg, /fill="#f5a623" fill-opacity="0.18"/);
    assert.match(svg, />ha1 → ha1\+ha2</);
  });

  it('copes with empty lanes and no fault', () => {
    const empty = { lanes: [{ name: 'nothing', history: [] }] };
    assertWellFormedXml(renderSvgTimeline(empty));
    assert.match(renderTextTimeline(empty), /nothing/);
  });

  it('the checker itself rejects broken XML', () => {
    assert.throws(() => assertWellFormedXml('<svg><rect></svg>'));
    assert.throws(() => assertWellFormedXml('<svg><text>a < b</text></svg>'));
    assert.throws(() => assertWellFormedXml('<svg><text>a & b</text></svg>'));
  });
});
