// Guest logs through the Trove API: list, enable, publish into the tenant's
// Swift, download what was published, disable, discard.
import { attachJson, attachText, step } from '../report/allure.ts';
import type { GuestLog, GuestLogAction } from '../openstack/database-types.ts';
import type { TroveContext } from './context.ts';

/** trove-api asks the guest (guest_log_list / guest_log_action); name that in the error when it cannot answer. */
function capability(e: unknown, what: string): Error {
  return new Error(`guest logs: ${what} failed; the site's guest agent must implement guest_log_list/guest_log_action for this: ${(e as Error).message.split('\n')[0]}`);
}

export async function listGuestLogs(t: TroveContext, instanceId: string): Promise<GuestLog[]> {
  return step(`GET /instances/${instanceId}/log`, async () => {
    let logs: GuestLog[];
    try {
      logs = await t.trove.listGuestLogs(instanceId);
    } catch (e) {
      throw capability(e, `GET /instances/${instanceId}/log`);
    }
    await attachJson('logs', logs.map((l) => ({ name: l.name, type: l.type, status: l.status })));
    return logs;
  });
}

export async function guestLogAction(t: TroveContext, instanceId: string, name: string, action?: GuestLogAction): Promise<GuestLog> {
  return step(`POST /instances/${instanceId}/log ${name}${action ? ` ${action}` : ' (show)'}`, async () => {
    let log: GuestLog;
    try {
      log = await t.trove.guestLogAction(instanceId, name, action);
    } catch (e) {
      throw capability(e, `POST /instances/${instanceId}/log ${name} ${action ?? 'show'}`);
    }
    await attachJson('log', log);
    if (action === 'publish' || action === 'enable') t.record({ kind: 'swift-prefix', id: log.prefix, name: `guest log ${name} of ${instanceId}`, container: log.container });
    return log;
  });
}

/** Every published part of a log, oldest first, concatenated (what `openstack database log save` writes). */
export async function downloadGuestLog(t: TroveContext, log: GuestLog): Promise<{ text: string; objects: string[] }> {
  return step(`download ${log.name} from Swift ${log.container}/${log.prefix}*`, async () => {
    const entries = (await t.swift.listContainer(log.container, { prefix: log.prefix })).filter((o) => !o.name.endsWith('_metafile'));
    const parts = entries.sort((a, b) => a.name.localeCompare(b.name));
    let text = '';
    for (const p of parts) text += (await t.swift.getObject(log.container, p.name)).body.toString('utf8');
    await attachText(`${log.name} (last 100 lines of ${parts.length} objects)`, text.split('\n').slice(-100).join('\n'));
    return { text, objects: parts.map((p) => p.name) };
  });
}
