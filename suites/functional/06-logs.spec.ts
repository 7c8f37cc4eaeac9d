// Item 6 of the documents' functional list: guest logs listed, one enabled,
// entries produced with SQL, published to Swift, downloaded and checked to hold
// those entries, then disabled and its published copy discarded. The binary
// log is excluded, as the documents say. On a site whose guest agent has no
// guest-log support, the first call fails and names the missing capability.
import assert from 'node:assert/strict';
import { step } from '../../lib/report/allure.ts';
import { sqlName } from '../../lib/trove/naming.ts';
import { createInstance, settleInstance, tenantAddress, waitInstance } from '../../lib/trove/instances.ts';
import { createUser } from '../../lib/trove/databases.ts';
import { downloadGuestLog, guestLogAction, listGuestLogs } from '../../lib/trove/logs.ts';
import { newPassword, withSql } from '../../lib/trove/sql.ts';
import type { GuestLog } from '../../lib/openstack/database-types.ts';
import { feature, functionalSuite, need } from './support.ts';

/** The MySQL general query log records every statement: the produced entries are certain to be in it. */
const LOG = 'general';

describe('functional 6: logs', () => {
  const s = functionalSuite('06-logs');
  const password = newPassword();
  const state: { id?: string; host?: string; user?: string; logs?: GuestLog[]; enabled?: boolean } = {};

  s.setup(async () => {
    const inst = await createInstance(s.t, { what: 'logs' });
    state.host = tenantAddress(await waitInstance(s.t, inst.id));
    state.id = inst.id;
    const user = sqlName(s.t.runId, 'lg');
    await createUser(s.t, inst.id, user, password);
    state.user = user;
    // Published parts stay in Swift after a disable: discard them before the instance goes.
    s.t.cleanup.add(`discard the published ${LOG} log of ${inst.id}`, async () => {
      if (state.enabled !== undefined) await guestLogAction(s.t, inst.id, LOG, 'discard');
    });
  });

  it(`list the guest logs: ${LOG} is offered (binlog excluded)`, async () => {
    await feature('6. logs', 'list');
    s.prepared();
    const logs = await listGuestLogs(s.t, need(state.id, 'an instance'));
    state.logs = logs.filter((l) => !/bin/i.test(l.name));
    assert.ok(state.logs.some((l) => l.name === LOG), `no ${LOG} log offered (have: ${logs.map((l) => l.name).join(', ')})`);
  });

  it(`enable ${LOG}, produce entries, publish, download from Swift: the entries are there`, async () => {
    await feature('6. logs', 'enable, publish, download');
    s.prepared();
    const id = need(state.id, 'an instance');
    need(state.logs, 'the log list');
    const enabled = await guestLogAction(s.t, id, LOG, 'enable');
    state.enabled = true;
    // Enabling a log may need a restart of the datastore on some versions.
    if (/restart/i.test(enabled.status)) await settleInstance(s.t, id);
    const marker = `trove_ha_log_${s.t.runId.replace(/-/g, '_')}`;
    await step(`SQL as ${state.user}: SELECT '${marker}' (an entry for the ${LOG} log)`, () =>
      withSql(need(state.host, 'an address'), need(state.user, 'a user'), password, undefined, async (c) => {
        for (let i = 0; i < 3; i++) await c.query(`SELECT '${marker}_${i}' AS m`);
      }),
    );
    const published = await guestLogAction(s.t, id, LOG, 'publish');
    assert.ok(published.published > 0, `nothing published (status ${published.status}, published ${published.published} bytes)`);
    const { text, objects } = await downloadGuestLog(s.t, published);
    assert.ok(objects.length > 0, `no objects under ${published.container}/${published.prefix}`);
    for (let i = 0; i < 3; i++) assert.ok(text.includes(`${marker}_${i}`), `the downloaded ${LOG} log does not hold ${marker}_${i}`);
  });

  it(`disable ${LOG} and discard its published copy`, async () => {
    await feature('6. logs', 'disable and discard');
    s.prepared();
    const id = need(state.id, 'an instance');
    need(state.enabled, `an enabled ${LOG} log`);
    const disabled = await guestLogAction(s.t, id, LOG, 'disable');
    if (/restart/i.test(disabled.status)) await settleInstance(s.t, id);
    const shown = await guestLogAction(s.t, id, LOG);
    assert.match(shown.status, /Disabled|Ready|Unavailable/i, `status after disable: ${shown.status}`);
    const discarded = await guestLogAction(s.t, id, LOG, 'discard');
    const left = await s.t.swift.listContainer(discarded.container, { prefix: discarded.prefix }).catch(() => []);
    assert.deepEqual(left.map((o) => o.name), [], 'published parts left in Swift after discard');
    state.enabled = undefined;
  });
});
