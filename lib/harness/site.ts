// A suite's handle on the site under test: its environment, an SSH pool and the
// two Keystone sessions, with every command and HTTP exchange summarised into the
// report. Each suite opens its own in before() and closes it in after(); there is
// no module-level instance.
import type { Environment } from '../env/schema.ts';
import { Remote } from '../remote/remote.ts';
import { openSessions, type OpenStackSessions } from '../openstack/sessions.ts';
import { runContextFromProcess, type RunContext } from '../runner/run-context.ts';
import { evidence } from './evidence.ts';

export interface Site {
  ctx: RunContext;
  env: Environment;
  remote: Remote;
  openstack: OpenStackSessions;
  close(): Promise<void>;
}

export function openSite(ctx: RunContext = runContextFromProcess()): Site {
  const log = evidence(ctx.runDir);
  const remote = new Remote(ctx.env, { onCommand: log.command });
  const openstack = openSessions(ctx.env, { onExchange: log.exchange });
  return {
    ctx,
    env: ctx.env,
    remote,
    openstack,
    close: async () => {
      await remote.close();
      log.close();
    },
  };
}
