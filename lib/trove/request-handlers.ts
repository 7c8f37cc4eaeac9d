// Which taskmanager and which conductor handled an instance, found the way the
// documents' HA test finds them: in the services' logs on the controllers, over
// SSH. The taskmanager that created an instance logs its id at INFO ("Preparing
// networks for the instance <id>", "Created instance <id> successfully"); a
// conductor mentions an instance only in DEBUG lines of trove.conductor.manager
// ("Instance <id> sent heartbeat at ..."), which a site must enable to be asked.
import type { Environment } from '../env/schema.ts';
import type { RemoteExecutor } from '../remote/index.ts';
import { shellQuote } from '../remote/shell-quote.ts';

export interface LogMention {
  node: string;
  /** oslo.log timestamp of the first line naming the instance, "YYYY-MM-DD HH:MM:SS.mmm". */
  firstAt: string;
  line: string;
}

export interface RequestHandlers {
  taskmanager?: LogMention;
  conductor?: LogMention;
  /** Every node whose log named the instance, per service role. */
  mentions: { taskmanager: LogMention[]; conductor: LogMention[] };
}

const OSLO_TIMESTAMP = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)/;

/** First line naming `id` in each node's log of `service` (nodes without a declared log are skipped). */
async function firstMentions(remote: RemoteExecutor, env: Environment, service: string, id: string): Promise<LogMention[]> {
  const instances = Object.entries(env.services[service]?.instances ?? {}).filter(([, i]) => i.log);
  const found = await Promise.all(
    instances.map(async ([node, i]) => {
      // grep exits 1 when nothing matches: not an error here.
      const r = await remote.exec(node, `grep -m1 -F -- ${shellQuote(id)} ${shellQuote(i.log!)} || true`);
      const line = r.stdout.split('\n')[0] ?? '';
      const at = OSLO_TIMESTAMP.exec(line)?.[1];
      return at ? { node, firstAt: at, line: line.slice(0, 300) } : undefined;
    }),
  );
  return found.filter((m): m is LogMention => !!m).sort((a, b) => a.firstAt.localeCompare(b.firstAt));
}

/** The earliest mention wins: the service that took the request, not a later one that saw a heartbeat. */
export async function findRequestHandlers(remote: RemoteExecutor, env: Environment, instanceId: string): Promise<RequestHandlers> {
  const [taskmanager, conductor] = await Promise.all([
    firstMentions(remote, env, env.trove.services.taskmanager, instanceId),
    firstMentions(remote, env, env.trove.services.conductor, instanceId),
  ]);
  return {
    ...(taskmanager[0] ? { taskmanager: taskmanager[0] } : {}),
    ...(conductor[0] ? { conductor: conductor[0] } : {}),
    mentions: { taskmanager, conductor },
  };
}
