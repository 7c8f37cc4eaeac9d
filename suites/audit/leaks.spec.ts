// The leak audit, run last in every `trove-ha run` (lib/runner/mocha-run.ts
// appends it): anything this run made that is still on the site fails the run.
// What the run made comes from its ledger (reports/<run-id>/resources.jsonl)
// and from its run id in names; leftovers of other runs are attached, not failed.
import assert from 'node:assert/strict';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { attachJson, attachText, place, step } from '../../lib/report/allure.ts';
import { readLedger } from '../../lib/trove/ledger.ts';
import { gatherInventory } from '../../lib/trove/audit.ts';
import { describeLeaks, findLeaks } from '../../lib/trove/leaks.ts';

describe('leak audit', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('nothing this run created is left on the site (instances, backups, Swift objects, configuration groups, datastores, servers, ports)', async () => {
    await place({ epic: 'Run', feature: 'leak audit' });
    const ledger = readLedger(site.ctx.runDir);
    await attachJson('run ledger', ledger);
    const inventory = await step('inventory: Trove (tenant), datastores, compute and network (admin, all projects), Swift', () => gatherInventory(site, ledger));
    await attachJson('inventory counts', Object.fromEntries(Object.entries(inventory).map(([k, v]) => [k, (v as unknown[]).length])));
    const { leaks, otherRuns } = findLeaks(site.ctx.runId, ledger, inventory);
    if (Object.keys(otherRuns).length) await attachText('leftovers of other runs (not this run\'s failure)', Object.entries(otherRuns).map(([run, l]) => `run ${run}:\n${describeLeaks(l)}`).join('\n\n'));
    if (leaks.length) await attachText('leaks of this run', describeLeaks(leaks));
    assert.equal(leaks.length, 0, `run ${site.ctx.runId} left ${leaks.length} resource(s) behind:\n${describeLeaks(leaks)}`);
  });
});
