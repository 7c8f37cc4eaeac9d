import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { parseShowStat, judgeHaproxy } from '../../lib/checks/haproxy.ts';

// Recorded from a real HAProxy 2.6.12 (Debian 12): galera with ctl1 active and
// ctl2/ctl3 backup, only ctl2 listening; swift with one UP server.
const csv = readFileSync(join(PROJECT_ROOT, 'test/fixtures/recorded/haproxy-2.6.12-show-stat.csv'), 'utf8');

describe('HAProxy stats check', () => {
  it('parses server rows, dropping FRONTEND/BACKEND summaries', () => {
    const rows = parseShowStat(csv);
    assert.deepEqual(rows.map((r) => [r.proxy, r.server, r.status, r.backup]), [
      ['galera', 'ctl1', 'DOWN', false],
      ['galera', 'ctl2', 'UP', true],
      ['galera', 'ctl3', 'DOWN', true],
      ['swift', 'ctl1', 'UP', false],
    ]);
    assert.equal(rows[0]!.checkStatus, 'L4CON');
  });

  it('fails each DOWN server with its check status, passes UP ones', () => {
    const findings = judgeHaproxy('ctl1', parseShowStat(csv));
    assert.deepEqual(findings.filter((f) => !f.ok).map((f) => f.subject), ['ctl1 galera/ctl1', 'ctl1 galera/ctl3']);
    assert.match(findings[0]!.message, /^DOWN \(L4CON\) for \d+ s$/);
    assert.ok(judgeHaproxy('ctl1', parseShowStat(csv), ['swift']).every((f) => f.ok));
  });

  it('refuses output that is not a stats CSV', () => {
    assert.throws(() => parseShowStat('Unknown command. Please enter one of the following commands only :'), /not a HAProxy "show stat" CSV/);
  });
});
