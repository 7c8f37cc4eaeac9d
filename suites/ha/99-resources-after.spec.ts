// After every fault was healed: the instance made before them is ACTIVE and
// HEALTHY, its guest is still heartbeating, Trove still manages it (a new user),
// the rows from before the faults are all there, and it deletes cleanly.
import assert from 'node:assert/strict';
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { attachJson, place, step } from '../../lib/report/allure.ts';
import { waitUntil } from '../../lib/harness/wait.ts';
import { troveTime } from '../../lib/probes/instance-watch-probe.ts';
import { readHaResources } from '../../lib/scenario/ha-resources.ts';
import { troveContext } from '../../lib/trove/context.ts';
import { deleteInstance, waitInstance } from '../../lib/trove/instances.ts';
import { createUser } from '../../lib/trove/databases.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { newPassword, rows, withSql } from '../../lib/trove/sql.ts';

const ctx = runContextFromProcess();
/**
 * Trove's own default agent_heartbeat_expiry: a guest silent for longer is
 * taken for failed by Trove itself, so a heartbeat must come within it.
 */
const HEARTBEAT_WAIT_MS = 90_000;

describe('HA: resources made before the faults, after them', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  const resources = () => {
    const r = readHaResources(ctx.runDir);
    if (!r) throw new Error('no resources were made before the faults (00-resources failed or was not selected)');
    return r;
  };

  it('the instance made before the faults still works: ACTIVE/HEALTHY, heartbeating, managed by Trove, its rows all there', async () => {
    await place({ epic: 'HA scenarios', feature: 'resources before and after the faults', story: 'checked after the faults' });
    const t = troveContext(site, 'ha: resources after');
    for (const r of resources().instances) {
      await waitInstance(t, r.id, 'ready');
      const from = Date.now();
      const waited = await step(`a heartbeat from the guest of ${r.id} within ${HEARTBEAT_WAIT_MS / 1000} s`, () =>
        waitUntil(
          `Trove to record a heartbeat of instance ${r.id} newer than ${new Date(from).toISOString()}`,
          async () => {
            const at = troveTime((await t.trove.showInstance(r.id)).service_status_updated);
            // Trove stores whole seconds: compare at that precision.
            return { done: at !== undefined && at >= Math.floor(from / 1000) * 1000, seen: `last heartbeat ${at ? new Date(at).toISOString() : 'never'}` };
          },
          { timeoutMs: HEARTBEAT_WAIT_MS, intervalMs: 2000 },
        ),
      );
      const user = sqlName(ctx.runId, 'hwa');
      const password = newPassword();
      await createUser(t, r.id, user, password, [r.database]);
      const ids = await step(`read the rows from before the faults as the new user ${user}`, () =>
        withSql(r.host, user, password, r.database, async (c) => {
          await c.query('INSERT INTO before_faults VALUES (?, ?)', [r.rowsBeforeFaults + 1, 'after the faults']);
          return (await rows<{ id: number }>(c, 'SELECT id FROM before_faults ORDER BY id')).map((x) => x.id);
        }),
      );
      await attachJson(`instance ${r.id}`, { heartbeatWithinMs: waited, rows: ids.length });
      const missing = Array.from({ length: r.rowsBeforeFaults }, (_, i) => i + 1).filter((i) => !ids.includes(i));
      assert.deepEqual(missing, [], `rows written before the faults are missing on ${r.id}`);
    }
  });

  it('the instance made before the faults deletes cleanly', async () => {
    await place({ epic: 'HA scenarios', feature: 'resources before and after the faults', story: 'deleted after the faults' });
    const t = troveContext(site, 'ha: resources after');
    for (const r of resources().instances) await deleteInstance(t, r.id, r.name);
  });
});
