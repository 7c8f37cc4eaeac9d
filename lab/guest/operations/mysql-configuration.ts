// Configuration operations. Trove's protocol (instance/models.py
// save_configuration / apply_configuration): trove-api calls
// update_overrides (persist to the conf.d user file) and sets the instance
// task RESTART_REQUIRED itself; only when every changed parameter is dynamic
// (validation-rules.json) does it call apply_overrides (SET GLOBAL) and clear
// it. So the guest never reports "restart required"; a value the server
// refuses at runtime is logged and skipped, as Trove's guest does.
import type { RpcMethod } from '../oslo/dispatcher.ts';
import type { MysqlOperationDeps } from './mysql.ts';

export function configurationOperations({ datastore, reporter }: MysqlOperationDeps): RpcMethod[] {
  return [
    {
      name: 'update_overrides',
      required: ['overrides'],
      optional: ['remove'],
      handler: (a) => {
        datastore.updateOverrides(a.overrides, Boolean(a.remove));
        return null;
      },
    },
    {
      name: 'apply_overrides',
      required: ['overrides'],
      handler: async (a) => {
        await datastore.applyOverrides((a.overrides ?? {}) as Record<string, unknown>);
        return null;
      },
    },
    {
      name: 'reset_configuration',
      required: ['configuration'],
      handler: async (a) => {
        await datastore.resetConfiguration(((a.configuration ?? {}) as { config_contents: string }).config_contents);
        return null;
      },
    },
    {
      name: 'start_db_with_conf_changes',
      required: ['config_contents', 'ds_version'],
      handler: async (a) => {
        await datastore.startWithConfChanges(a.config_contents as string);
        // start_db(update_db=True): the healthy status goes to the conductor at once.
        reporter.resume();
        await reporter.setStatus(await datastore.status());
        return null;
      },
    },
  ];
}
