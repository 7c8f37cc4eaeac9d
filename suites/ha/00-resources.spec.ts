// tobiko's order: before any fault, make a database instance with data in it;
// every scenario watches it (no ERROR, heartbeats), and 99-resources-after.spec.ts
// checks it still works once all faults are healed, then deletes it.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { attachJson, place, step } from '../../lib/report/allure.ts';
import { troveContext } from '../../lib/trove/context.ts';
import { createInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createDatabase, createUser } from '../../lib/trove/databases.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { newPassword, withSql } from '../../lib/trove/sql.ts';
import { writeHaResources } from '../../lib/scenario/ha-resources.ts';

const ctx = runContextFromProcess();
/** Rows written before the faults; 99-resources-after reads them back. */
const ROWS_BEFORE_FAULTS = 50;

describe('HA: resources made before the faults', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  it('a database instance with a database, a user and rows, watched through every fault', async () => {
    await place({ epic: 'HA scenarios', feature: 'resources before and after the faults', story: 'made before the faults' });
    // Not this spec's cleanup: the instance must outlive it. 99-resources-after
    // deletes it; if the run dies first, the leak audit names it by its run id.
    const t = troveContext(site, 'ha: resources');
    const instance = await createInstance(t, { what: 'ha-watch' });
    const ready = await waitInstance(t, instance.id);
    const host = tenantAddress(ready);
    const database = sqlName(ctx.runId, 'hw');
    const user = sqlName(ctx.runId, 'hwu');
    const password = newPassword();
    await createDatabase(t, instance.id, database);
    await createUser(t, instance.id, user, password, [database]);
    await step(`write ${ROWS_BEFORE_FAULTS} rows as ${user} from the tenant network`, () =>
      withSql(host, user, password, database, async (c) => {
        await c.query('CREATE TABLE before_faults (id INT PRIMARY KEY, label VARCHAR(40))');
        for (let i = 1; i <= ROWS_BEFORE_FAULTS; i++) await c.query('INSERT INTO before_faults VALUES (?, ?)', [i, `row ${i}`]);
      }),
    );
    writeHaResources(ctx.runDir, { instances: [{ id: instance.id, name: instance.name, host, database, user, rowsBeforeFaults: ROWS_BEFORE_FAULTS }], createdAt: new Date().toISOString() });
    await attachJson('resources', { instance: instance.id, host, database, user, createToReadyMs: ready.waitedMs });
  });
});
