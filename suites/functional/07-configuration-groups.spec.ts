// Item 7 of the documents' functional list: configuration groups created,
// modified, attached, each value checked in effect with SQL (dynamic ones at
// once, a restart-required one after the restart Trove asks for), detached.
import assert from 'node:assert/strict';
import { attachJson, step } from '../../lib/report/allure.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { createInstance, restartInstance, settleInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createUser } from '../../lib/trove/databases.ts';
import { attachConfiguration, createConfiguration, detachConfiguration, modifyConfiguration, type ConfigValues } from '../../lib/trove/configurations.ts';
import { poll } from '../../lib/trove/poll.ts';
import { globalVariable, newPassword, withSql } from '../../lib/trove/sql.ts';
import { feature, functionalSuite, need } from './support.ts';

const DYNAMIC: ConfigValues = { max_connections: 123, wait_timeout: 3333 };
const MODIFIED: ConfigValues = { max_connections: 145 };
/** Not dynamic in Trove's MySQL validation rules: attaching it needs a restart. */
const RESTART_REQUIRED: ConfigValues = { innodb_ft_cache_size: 2_000_000 };

describe('functional 7: configuration groups', () => {
  const s = functionalSuite('07-configuration-groups');
  const password = newPassword();
  const state: { id?: string; host?: string; user?: string; group?: string } = {};

  s.setup(async () => {
    const inst = await createInstance(s.t, { what: 'config' });
    state.host = tenantAddress(await waitInstance(s.t, inst.id));
    state.id = inst.id;
    const user = sqlName(s.t.runId, 'cfg');
    await createUser(s.t, inst.id, user, password);
    state.user = user;
  });

  /** Polls SHOW GLOBAL VARIABLES until every value is in effect (bounded: Trove applies them asynchronously). */
  const expectValues = (values: ConfigValues, timeoutMs: number) =>
    step(`SQL: SHOW GLOBAL VARIABLES shows ${JSON.stringify(values)}`, () =>
      withSql(need(state.host, 'an instance address'), need(state.user, 'a user'), password, undefined, async (c) => {
        const r = await poll(
          `values ${JSON.stringify(values)} in effect`,
          async () => Object.fromEntries(await Promise.all(Object.keys(values).map(async (k) => [k, await globalVariable(c, k)]))),
          (seen) => (Object.entries(values).every(([k, v]) => String(seen[k]) === String(v)) ? { state: 'done' } : { state: 'pending' }),
          (seen) => JSON.stringify(seen),
          { timeoutMs, intervalMs: 250 },
        );
        await attachJson('in effect', { values: r.value, afterMs: r.elapsedMs });
        return r.elapsedMs;
      }),
    );

  it('create a group with dynamic values; Trove shows them', async () => {
    await feature('7. configuration groups', 'create');
    s.prepared();
    const g = await createConfiguration(s.t, 'config', DYNAMIC);
    state.group = g.id;
    const shown = await step(`GET /configurations/${g.id}`, () => s.t.trove.showConfiguration(g.id));
    for (const [k, v] of Object.entries(DYNAMIC)) assert.equal(String(shown.values[k]), String(v), `group value ${k}`);
  });

  it('attach it: the instance stays ACTIVE and SQL shows each dynamic value at once', async () => {
    await feature('7. configuration groups', 'attach: dynamic values in effect');
    s.prepared();
    const id = need(state.id, 'an instance');
    await attachConfiguration(s.t, id, need(state.group, 'a group'));
    const i = await waitInstance(s.t, id);
    assert.equal(i.configuration?.id, state.group, 'the instance does not show the group');
    // "At once": the apply runs right after the API call; allow the guest's round trip only.
    await expectValues(DYNAMIC, 15_000);
  });

  it('modify a dynamic value in the attached group: SQL shows the new value', async () => {
    await feature('7. configuration groups', 'modify');
    s.prepared();
    await modifyConfiguration(s.t, need(state.group, 'a group'), MODIFIED);
    await expectValues({ ...DYNAMIC, ...MODIFIED }, 30_000);
    const shown = await s.t.trove.showConfiguration(state.group!);
    assert.equal(String(shown.values.max_connections), String(MODIFIED.max_connections));
  });

  it('a restart-required value: the instance asks for a restart, and after it SQL shows the value', async () => {
    await feature('7. configuration groups', 'restart-required value');
    s.prepared();
    const id = need(state.id, 'an instance');
    await modifyConfiguration(s.t, need(state.group, 'a group'), RESTART_REQUIRED);
    await waitInstance(s.t, id, 'restart-required');
    await restartInstance(s.t, id);
    await expectValues({ ...DYNAMIC, ...MODIFIED, ...RESTART_REQUIRED }, 30_000);
  });

  it('detach: the instance no longer uses the group, which can then be deleted', async () => {
    await feature('7. configuration groups', 'detach');
    s.prepared();
    const id = need(state.id, 'an instance');
    await detachConfiguration(s.t, id);
    await settleInstance(s.t, id);
    const i = await s.t.trove.showInstance(id);
    assert.equal(i.configuration, undefined, `the instance still shows group ${JSON.stringify(i.configuration)}`);
    const g = await s.t.trove.showConfiguration(need(state.group, 'a group'));
    assert.equal(g.instance_count, 0, 'the group still counts an instance');
  });
});
