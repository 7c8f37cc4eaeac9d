// Databases and users of an instance through the Trove API.
import { attachJson, step } from '../report/allure.ts';
import { isHttpError } from '../openstack/http-error.ts';
import type { TroveContext } from './context.ts';
import { poll } from './poll.ts';

/** Trove answers 202 and the guest does the work: poll the list until the wanted state shows. */
async function until(t: TroveContext, what: string, check: () => Promise<boolean>): Promise<void> {
  await poll(what, check, (ok) => (ok ? { state: 'done' } : { state: 'pending' }), (ok) => (ok ? 'there' : 'not yet'), { timeoutMs: 60_000, intervalMs: 500 });
}

export async function createDatabase(t: TroveContext, instanceId: string, name: string): Promise<void> {
  await step(`POST /instances/${instanceId}/databases ${name}`, async () => {
    await t.trove.createDatabases(instanceId, [{ name }]);
    await until(t, `database ${name} listed on ${instanceId}`, async () => (await t.trove.listDatabases(instanceId)).some((d) => d.name === name));
  });
}

export async function deleteDatabase(t: TroveContext, instanceId: string, name: string): Promise<void> {
  await step(`DELETE /instances/${instanceId}/databases/${name}`, async () => {
    await t.trove.deleteDatabase(instanceId, name);
    await until(t, `database ${name} no longer listed on ${instanceId}`, async () => !(await t.trove.listDatabases(instanceId)).some((d) => d.name === name));
  });
}

export async function createUser(t: TroveContext, instanceId: string, name: string, password: string, databases: string[] = []): Promise<void> {
  await step(`POST /instances/${instanceId}/users ${name}${databases.length ? ` with access to ${databases.join(', ')}` : ''}`, async () => {
    await t.trove.createUsers(instanceId, [{ name, password, databases: databases.map((d) => ({ name: d })) }]);
    await until(t, `user ${name} listed on ${instanceId}`, async () => (await t.trove.listUsers(instanceId)).some((u) => u.name === name));
  });
}

export async function deleteUser(t: TroveContext, instanceId: string, name: string): Promise<void> {
  await step(`DELETE /instances/${instanceId}/users/${name}`, async () => {
    try {
      await t.trove.deleteUser(instanceId, name);
    } catch (e) {
      if (!isHttpError(e, 404)) throw e;
    }
    await until(t, `user ${name} no longer listed on ${instanceId}`, async () => !(await t.trove.listUsers(instanceId)).some((u) => u.name === name));
  });
}

export async function grantAccess(t: TroveContext, instanceId: string, user: string, databases: string[]): Promise<void> {
  await step(`PUT /instances/${instanceId}/users/${user}/databases ${databases.join(', ')}`, async () => {
    await t.trove.grantAccess(instanceId, user, databases);
    await until(t, `${user} has access to ${databases.join(', ')}`, async () => {
      const have = (await t.trove.listAccess(instanceId, user)).map((d) => d.name);
      return databases.every((d) => have.includes(d));
    });
    await attachJson('access', await t.trove.listAccess(instanceId, user));
  });
}
