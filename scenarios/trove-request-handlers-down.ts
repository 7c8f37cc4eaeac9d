// The documents' own HA test (seed 000, "高可用测试"): create an instance, take
// down the trove-taskmanager and the trove-conductor that handled it (found in
// their logs over SSH), then database operations, a backup and the delete of that
// instance must work, with no error in any Trove log. The second half (services
// back, a new instance, the same operations, clean logs) is `databaseLifecycle`
// run again by the spec after this scenario.
import type { Environment } from '../lib/env/schema.ts';
import { FaultPreconditionError, stopServices } from '../lib/faults/index.ts';
import { apiProbe } from '../lib/probes/index.ts';
import { failedRequests } from '../lib/checks/history.ts';
import { pass, fail } from '../lib/checks/finding.ts';
import { attachJson, step } from '../lib/report/allure.ts';
import { findRequestHandlers } from '../lib/trove/request-handlers.ts';
import { troveContext, type TroveContext } from '../lib/trove/context.ts';
import { createInstance, deletedInstanceLogAllowance, waitInstance, type CreatedInstance } from '../lib/trove/instances.ts';
import { createBackup, waitBackup } from '../lib/trove/backups.ts';
import { createDatabase, createUser } from '../lib/trove/databases.ts';
import { sqlName } from '../lib/trove/naming.ts';
import { newPassword } from '../lib/trove/sql.ts';
import type { Scenario } from '../lib/scenario/scenario.ts';
import type { LogAllowance } from '../lib/checks/service-logs.ts';
import type { Site } from '../lib/harness/site.ts';

export interface LifecycleTimes {
  databaseMs: number;
  userMs: number;
  backupMs: number;
  deleteMs: number;
}

const since = (t0: number): number => Math.round(performance.now() - t0);

/** Database, user, backup (COMPLETED), then the instance's delete (gone): what the documents do after the create. */
export async function databaseLifecycle(t: TroveContext, instance: CreatedInstance, tag: string): Promise<LifecycleTimes> {
  let t0 = performance.now();
  const db = sqlName(t.runId, `${tag}d`);
  await createDatabase(t, instance.id, db);
  const databaseMs = since(t0);
  t0 = performance.now();
  await createUser(t, instance.id, sqlName(t.runId, `${tag}u`), newPassword(), [db]);
  const userMs = since(t0);
  t0 = performance.now();
  const backup = await createBackup(t, instance.id, `${tag}-backup`);
  await waitBackup(t, backup.id);
  const backupMs = since(t0);
  t0 = performance.now();
  await instance.remove();
  const deleteMs = since(t0);
  await backup.remove();
  return { databaseMs, userMs, backupMs, deleteMs };
}

export function troveRequestHandlersDown(env: Environment): Scenario {
  const lane = `API database/instances through ${new URL(env.keystone.url).hostname}`;
  let t: TroveContext | undefined;
  let instance: CreatedInstance | undefined;
  let times: LifecycleTimes | undefined;
  // Filled once the instance is deleted (its id is known only then).
  const allow: LogAllowance[] = [];
  return {
    id: 'trove-request-handlers-down',
    title: 'the trove-taskmanager and trove-conductor that handled an instance are down: database operations, a backup and its delete still work',
    feature: 'trove-taskmanager and trove-conductor failure',
    setup: async (site: Site) => {
      t = troveContext(site, 'ha: request handlers down');
      instance = await createInstance(t, { what: 'handlers' });
      const ready = await waitInstance(t, instance.id);
      return { instance: instance.id, createToReadyMs: ready.waitedMs };
    },
    fault: (ctx) =>
      stopServices(ctx, `the ${env.trove.services.taskmanager} and ${env.trove.services.conductor} that handled the instance`, async () => {
        if (!instance) throw new FaultPreconditionError('no instance was created (setup failed)');
        const h = await findRequestHandlers(ctx.remote, ctx.env, instance.id);
        await attachJson('log lines that name the instance', h.mentions);
        if (!h.taskmanager) throw new FaultPreconditionError(`no ${env.trove.services.taskmanager} log names instance ${instance.id}: check the services' log paths in the environment file`);
        if (!h.conductor) {
          throw new FaultPreconditionError(
            `no ${env.trove.services.conductor} log names instance ${instance.id}: conductors log per-instance messages only at DEBUG; add trove.conductor.manager=DEBUG to default_log_levels so the one that handled it can be found`,
          );
        }
        return [
          { service: env.trove.services.taskmanager, node: h.taskmanager.node },
          { service: env.trove.services.conductor, node: h.conductor.node },
        ];
      }),
    probes: (site, maxDurationMs) => [{ lane, live: true, probe: apiProbe(site.openstack.tenant, { serviceType: 'database', path: 'instances', intervalMs: 1000, maxDurationMs }) }],
    whileInjected: async () => {
      allow.push(deletedInstanceLogAllowance([instance!.id]));
      times = await step('database, user, backup and delete of the instance, with its handlers down', () => databaseLifecycle(t!, instance!, 'h'));
      return { ...times };
    },
    judge: (histories) => {
      const requests = failedRequests(histories[lane] ?? [], { subject: lane });
      const findings = [
        times ? pass('trove.works-without-handlers', 'instance operations', `database ${times.databaseMs} ms, user ${times.userMs} ms, backup ${times.backupMs} ms, delete ${times.deleteMs} ms`) : fail('trove.works-without-handlers', 'instance operations', 'did not complete'),
        requests.failed === 0 ? pass('api.keeps-answering', lane, `${requests.total} requests, none failed`) : fail('api.keeps-answering', lane, `${requests.failed} of ${requests.total} requests failed: ${JSON.stringify(requests.byDetail)}`),
      ];
      return { findings, figures: { ...times, apiRequests: requests.total, apiFailedRequests: requests.failed } };
    },
    troveLogs: { mode: 'judge', allow },
    recoveryBoundMs: 60_000,
    teardown: async () => t?.cleanup.run(),
  };
}
