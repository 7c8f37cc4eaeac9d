// Backups: create (named after the run, in the ledger, undone by the cleanup),
// wait for COMPLETED (fails at once on FAILED, and early when the guest never
// starts it), find its object in Swift, delete and wait until gone.
import { attachJson, attachText, step } from '../report/allure.ts';
import { isHttpError } from '../openstack/http-error.ts';
import type { Backup } from '../openstack/database-types.ts';
import type { TroveContext } from './context.ts';
import { resourceName } from './naming.ts';
import { poll } from './poll.ts';
import { backupVerdict, goneVerdict } from './verdict.ts';

/** How long a backup may stay NEW before the wait concludes the guest never started it. */
export const BACKUP_START_STALL_MS = 60_000;

export interface CreatedBackup {
  id: string;
  name: string;
  remove: () => Promise<void>;
}

export async function createBackup(t: TroveContext, instanceId: string, what: string): Promise<CreatedBackup> {
  const name = resourceName(t.runId, what);
  const b = await step(`POST /backups ${name} of instance ${instanceId}`, async () => {
    const r = await t.trove.createBackup({ name, instance: instanceId });
    await attachJson('answer', { id: r.id, status: r.status });
    return r;
  });
  t.record({ kind: 'backup', id: b.id, name });
  const remove = t.cleanup.add(`delete backup ${name} (${b.id})`, () => deleteBackup(t, b.id));
  return { id: b.id, name, remove };
}

export async function waitBackup(t: TroveContext, id: string): Promise<Backup & { waitedMs: number }> {
  return step(`wait for backup ${id} COMPLETED`, async () => {
    const r = await poll(
      `backup ${id} COMPLETED`,
      () => t.trove.showBackup(id),
      (b, elapsed) => backupVerdict(b, elapsed, BACKUP_START_STALL_MS),
      (b) => b.status,
      { timeoutMs: t.site.env.timeouts.backupCompleteMs, intervalMs: 2000 },
    );
    await attachText('states', `${r.states.join(' -> ')} in ${(r.elapsedMs / 1000).toFixed(1)} s; size ${r.value.size ?? '?'} GB; location ${r.value.locationRef ?? 'none'}`);
    return { ...r.value, waitedMs: r.elapsedMs };
  });
}

/**
 * Container and object name of a backup's locationRef
 * (…/v1/AUTH_<project>/<container>/<object>), in the project's Swift account.
 */
export function swiftLocation(locationRef: string): { container: string; object: string } {
  const path = new URL(locationRef).pathname;
  const m = /\/v1\/[^/]+\/([^/]+)\/(.+)$/.exec(path);
  if (!m) throw new Error(`backup location ${locationRef} is not a Swift object URL (…/v1/<account>/<container>/<object>)`);
  return { container: decodeURIComponent(m[1]!), object: m[2]!.split('/').map(decodeURIComponent).join('/') };
}

export async function deleteBackup(t: TroveContext, id: string): Promise<void> {
  await step(`delete backup ${id} and wait until gone`, async () => {
    try {
      await t.trove.deleteBackup(id);
    } catch (e) {
      if (isHttpError(e, 404)) return;
      if (!isHttpError(e, 422)) throw e;
      // "cannot be deleted because it is running": a backup its guest never
      // finished. Resetting its instance's status (admin) fails its running
      // backups (Trove's reset_status), after which the delete is accepted.
      const instanceId = (await t.trove.showBackup(id)).instance_id;
      if (!instanceId) throw e;
      await step(`backup ${id} still running: reset the status of its instance ${instanceId} (admin), which fails it`, () => t.admin.instanceAction(instanceId, { reset_status: {} }));
      await t.trove.deleteBackup(id);
    }
    await poll(
      `backup ${id} gone (404)`,
      async () => {
        try {
          return { gone: false as const, status: (await t.trove.showBackup(id)).status as string };
        } catch (e) {
          if (isHttpError(e, 404)) return { gone: true as const };
          throw e;
        }
      },
      goneVerdict,
      (s) => (s.gone ? 'gone' : s.status),
      { timeoutMs: t.site.env.timeouts.backupCompleteMs, intervalMs: 1000 },
    );
  });
}
