// RabbitMQ cluster health from `rabbitmqctl cluster_status --formatter json` on a
// node: which nodes run, recorded partitions, resource alarms.
import type { RemoteExecutor } from '../remote/types.ts';
import { pass, fail, type Finding } from './finding.ts';

export interface RabbitClusterView {
  /** The node we asked. */
  node: string;
  error?: string;
  runningNodes: string[];
  diskNodes: string[];
  /** node -> nodes it is partitioned from, as RabbitMQ recorded them. */
  partitions: Record<string, string[]>;
  alarms: string[];
}

export function parseClusterStatus(node: string, stdout: string): RabbitClusterView {
  const j = JSON.parse(stdout) as {
    running_nodes?: string[];
    disk_nodes?: string[];
    partitions?: Record<string, string[]> | unknown[];
    alarms?: Array<Record<string, unknown> | string>;
  };
  const partitions = Array.isArray(j.partitions) ? {} : (j.partitions ?? {});
  return {
    node,
    runningNodes: [...(j.running_nodes ?? [])].sort(),
    diskNodes: [...(j.disk_nodes ?? [])].sort(),
    partitions,
    alarms: (j.alarms ?? []).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
  };
}

export async function readRabbitCluster(remote: RemoteExecutor, node: string, ctlCommand: string, timeoutMs = 30_000): Promise<RabbitClusterView> {
  try {
    const r = await remote.exec(node, `${ctlCommand} cluster_status --formatter json`, { timeoutMs, allowFail: true });
    if (r.code !== 0) return { node, error: (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`, runningNodes: [], diskNodes: [], partitions: {}, alarms: [] };
    return parseClusterStatus(node, r.stdout);
  } catch (err) {
    return { node, error: (err as Error).message.split('\n')[0], runningNodes: [], diskNodes: [], partitions: {}, alarms: [] };
  }
}

/** From the view of `view.node`: exactly the expected nodes run, no partition, no alarm. */
export function judgeRabbit(view: RabbitClusterView, expectRunning: string[]): Finding[] {
  const subject = view.node;
  if (view.error) return [fail('rabbitmq.reachable', subject, `cluster_status failed: ${view.error}`)];
  const want = [...expectRunning].sort();
  const out: Finding[] = [];
  const same = want.length === view.runningNodes.length && want.every((n, i) => n === view.runningNodes[i]);
  out.push(same ? pass('rabbitmq.running', subject, `running: ${view.runningNodes.join(', ')}`) : fail('rabbitmq.running', subject, `running: ${view.runningNodes.join(', ') || 'none'}; expected ${want.join(', ')}`));
  const parts = Object.entries(view.partitions).filter(([, v]) => v.length > 0);
  out.push(parts.length === 0 ? pass('rabbitmq.partitions', subject, 'no partition recorded') : fail('rabbitmq.partitions', subject, `partitions recorded: ${parts.map(([n, v]) => `${n} cannot see ${v.join(', ')}`).join('; ')}`));
  out.push(view.alarms.length === 0 ? pass('rabbitmq.alarms', subject, 'no resource alarm') : fail('rabbitmq.alarms', subject, `alarms: ${view.alarms.join('; ')}`));
  return out;
}
