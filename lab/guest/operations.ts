// The instance-level guest operations every datastore shares (Trove 18
// guestagent/datastore/manager.py). Signatures mirror the real manager's
// keyword arguments (checked against the fixture dumped from it), so a caller
// sending an argument Trove 18 would reject gets the same TypeError.
import type { Datastore, PrepareRequest } from './datastore.ts';
import { filesystemStats } from './filesystem-stats.ts';
import type { RpcMethod } from './oslo/dispatcher.ts';
import type { StatusReporter } from './status-reporter.ts';
import { errorText, type Logger } from './log.ts';

export interface OperationDeps {
  datastore: Datastore;
  reporter: StatusReporter;
  log: Logger;
}

export function instanceOperations({ datastore, reporter, log }: OperationDeps): RpcMethod[] {
  return [
    {
      name: 'rpc_ping',
      handler: () => true,
    },
    {
      name: 'prepare',
      required: ['packages', 'databases', 'memory_mb', 'users'],
      optional: ['device_path', 'mount_point', 'backup_info', 'config_contents', 'root_password', 'overrides', 'cluster_config', 'snapshot', 'modules', 'ds_version'],
      handler: async (args, call) => {
        const req = args as unknown as PrepareRequest;
        log.addSecret(req.root_password ?? null);
        log.info(`starting datastore prepare for '${datastore.manager}:${req.ds_version ?? ''}'`);
        reporter.resume();
        await reporter.beginInstall();
        const postProcessing = Boolean(req.cluster_config);
        let failed = false;
        try {
          await datastore.prepare(req, call.context);
        } catch (err) {
          failed = true;
          log.error(`failed to prepare datastore: ${errorText(err)}`);
          throw err;
        } finally {
          await reporter.endInstall(failed, postProcessing).catch((err) => log.error(`could not report the end of prepare: ${errorText(err)}`));
        }
        if (!req.cluster_config && datastore.postPrepare) {
          // Trove logs failures of databases/users/root creation but keeps the instance ACTIVE.
          await datastore.postPrepare(req).catch((err) => log.warn(`post-prepare step failed: ${errorText(err)}`));
        }
        log.info(`completed setup of '${datastore.manager}' datastore`);
        return null;
      },
    },
    {
      name: 'get_filesystem_stats',
      required: ['fs_path'],
      // Trove ignores fs_path and reports the datastore mount point.
      handler: () => filesystemStats(datastore.dataDir()),
    },
    {
      name: 'stop_db',
      handler: async () => {
        await datastore.stop();
        reporter.pause();
        await reporter.setStatus('shutdown', true);
        return null;
      },
    },
    {
      name: 'restart',
      handler: async () => {
        await datastore.restart();
        reporter.resume();
        await reporter.setStatus(await datastore.status());
        return null;
      },
    },
  ];
}
