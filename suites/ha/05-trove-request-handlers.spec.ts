// The documents' own HA test, both halves: with the taskmanager and conductor
// that handled an instance down, its database operations, a backup and its
// delete work; with them back, a new instance goes through the same, and the
// Trove logs stay clean throughout.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { runScenario } from '../../lib/scenario/run-scenario.ts';
import { expectHealthy } from '../../lib/checks/assert.ts';
import { describeLogErrors, judgeLogs, markLogs, readSince, troveLogs } from '../../lib/checks/service-logs.ts';
import { RECOVERY_ALLOWANCES } from '../../lib/checks/trove-log-allowances.ts';
import { attachJson, attachText, place, step } from '../../lib/report/allure.ts';
import { troveContext } from '../../lib/trove/context.ts';
import { createInstance, deletedInstanceLogAllowance, waitInstance } from '../../lib/trove/instances.ts';
import { databaseLifecycle, troveRequestHandlersDown } from '../../scenarios/trove-request-handlers-down.ts';

const { env } = runContextFromProcess();

describe('HA: trove-taskmanager and trove-conductor failure', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  const scenario = troveRequestHandlersDown(env);
  it(scenario.title, async () => {
    await runScenario(site, scenario);
  });

  it('with the services back: a new instance, database operations, a backup and its delete work, and the Trove logs stay clean', async () => {
    await place({ epic: 'HA scenarios', feature: scenario.feature, story: 'after the services are back' });
    const logs = troveLogs(env);
    const mark = await step('mark the end of every Trove service log', () => markLogs(site.remote, logs));
    const t = troveContext(site, 'ha: request handlers back');
    const deleted: string[] = [];
    try {
      const instance = await createInstance(t, { what: 'handlers-back' });
      deleted.push(instance.id);
      const ready = await waitInstance(t, instance.id);
      const times = await databaseLifecycle(t, instance, 'b');
      await attachJson('figures', { createToReadyMs: ready.waitedMs, ...times });
    } finally {
      await t.cleanup.run();
    }
    const tails = await step('read the Trove service logs written since the mark', () => readSince(site.remote, mark, logs));
    const allow = [...RECOVERY_ALLOWANCES, deletedInstanceLogAllowance(deleted)];
    await attachText('Trove log errors', describeLogErrors(tails, allow));
    await expectHealthy('Trove service logs', judgeLogs(tails, allow));
  });
});
