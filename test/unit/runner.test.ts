import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectSuites, refuseUnsafe, specFiles, SUITES } from '../../lib/runner/suites.ts';
import { newRunId, RUN_ID_PATTERN } from '../../lib/runner/run-id.ts';
import { ConfigError } from '../../lib/env/errors.ts';
import { recordInjection, recordHealed, readJournal } from '../../lib/faults/journal.ts';

describe('suite selection and the safety guard', () => {
  it('selects all suites in run order, or the named ones', () => {
    assert.deepEqual(selectSuites(['all']).map((s) => s.name), ['sanity', 'functional', 'ha']);
    assert.deepEqual(selectSuites(['ha,sanity']).map((s) => s.name), ['ha', 'sanity']);
  });

  it('rejects an unknown suite with the list of valid ones', () => {
    assert.throws(() => selectSuites(['chaos']), (e: unknown) => e instanceof ConfigError && /--suite chaos: no such suite; choose from sanity, functional, ha, all/.test(e.message));
  });

  it('refuses fault suites on an environment not marked destructive, and says how to proceed', () => {
    const ha = SUITES.filter((s) => s.name === 'ha');
    assert.throws(() => refuseUnsafe(ha, { name: 'staging', destructive: false }, 'staging.yaml'), (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && /not marked destructive.*ha will not run.*destructive: true/s.test(e.message));
    assert.doesNotThrow(() => refuseUnsafe(ha, { name: 'lab', destructive: true }, 'lab.yaml'));
    assert.doesNotThrow(() => refuseUnsafe(selectSuites(['sanity,functional']), { name: 'staging', destructive: false }, 'staging.yaml'));
  });

  it('finds spec files sorted under suites/<name>', () => {
    for (const s of SUITES) for (const f of specFiles(s)) assert.match(f, new RegExp(`/suites/${s.name}/.*\\.spec\\.ts$`));
  });

  it('makes sortable, unique run ids', () => {
    const a = newRunId(new Date(Date.UTC(2026, 10, 21, 23, 15, 1)));
    assert.match(a, RUN_ID_PATTERN);
    assert.ok(a.startsWith('20261121-231501-'));
    assert.notEqual(newRunId(), newRunId());
  });
});

describe('fault journal', () => {
  it('keeps open entries until healed and survives a torn last line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'j.jsonl');
    const inverse = { description: 'supervisorctl start trove-conductor on ctl2', action: { node: 'ctl2', service: 'trove-conductor', op: 'start' } };
    recordInjection(path, { id: 'f1', kind: 'service-stop', target: 'trove-conductor@ctl2', injectedAt: '2026-11-21T00:00:00Z', inverse });
    recordInjection(path, { id: 'f2', kind: 'service-kill', target: 'trove-api@ctl1', injectedAt: '2026-11-21T00:00:01Z', inverse });
    recordHealed(path, 'f1');
    appendFileSync(path, '{"type":"inject","entry":{"id":"f3"'); // crash mid-write
    const entries = readJournal(path);
    assert.deepEqual(entries.map((e) => [e.id, e.healed]), [['f1', true], ['f2', false]]);
  });
});
