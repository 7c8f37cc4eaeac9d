// One RabbitMQ node is lost, partitioned from the others (its cluster traffic:
// epmd and Erlang distribution, `rabbitmq.clusterPorts`; a whole-node cut
// would also cut its Galera and Trove links and judge those instead) or
// stopped. Under
// pause_minority (the documents' clusters, and the lab's default) the minority
// node pauses itself and the majority keeps running; what a guest sees through
// the management VIP: the listeners of majority nodes keep answering, the
// minority's does not. After the heal the cluster is whole again with no
// partition recorded.
import { AMQP_RECONNECT } from '../lib/checks/trove-log-allowances.ts';
import type { Environment } from '../lib/env/schema.ts';
import { partitionNode, stopService } from '../lib/faults/index.ts';
import { guestAmqpProbe } from '../lib/probes/index.ts';
import { outageWindows } from '../lib/checks/history.ts';
import { readRabbitCluster } from '../lib/checks/rabbitmq.ts';
import { waitUntil } from '../lib/harness/wait.ts';
import type { Scenario, ScenarioProbe } from '../lib/scenario/scenario.ts';

type Loss = 'stop' | 'partition';

/** A majority node's listener may fail this long (a handshake caught mid-detection). */
const MAJORITY_OUTAGE_ALLOWANCE_MS = 2_000;

export function rabbitmqNodeLoss(env: Environment, node: string, loss: Loss): Scenario {
  const rabbit = env.rabbitmq!;
  const members = Object.keys(rabbit.nodes);
  const others = members.filter((n) => n !== node);
  // The guest's view: a trove-mgmt VIP with a probe node, one listener per RabbitMQ node (amqp-<node>).
  const vip = Object.values(env.vips).find((v) => v.probeFrom && v.hostname && Object.keys(v.ports).some((p) => p.startsWith('amqp-')));
  const lanes = vip ? Object.entries(vip.ports).filter(([p]) => p.startsWith('amqp-')).map(([p, port]) => ({ lane: `guest AMQP ${vip.hostname}:${port} (${p})`, port, backend: p.slice('amqp-'.length) })) : [];
  return {
    id: `rabbitmq-${loss}-${node}`,
    title: `RabbitMQ node ${node} is lost: ${loss === 'stop' ? 'stopped' : `partitioned from ${others.join(', ')} (RabbitMQ cluster ports ${rabbit.clusterPorts.join(', ')})`}`,
    feature: 'RabbitMQ node loss',
    fault: (ctx) => (loss === 'stop' ? stopService(ctx, rabbit.service, node) : partitionNode(ctx, node, others, { tcpPorts: rabbit.clusterPorts })),
    probes: (site, maxDurationMs): ScenarioProbe[] =>
      lanes.map((l) => ({ lane: l.lane, live: false, probe: guestAmqpProbe(site.remote, { node: vip!.probeFrom!, host: vip!.hostname!, port: l.port, maxDurationMs }) })),
    whileInjected: async (site) => {
      const majority = others.map((n) => rabbit.nodes[n]!).sort();
      let seen = '';
      const ms = await waitUntil(
        `${others.join(', ')} to run as a cluster of ${majority.length} without ${node}${rabbit.partitionHandling === 'pause_minority' && loss === 'partition' ? `, and ${node} to pause itself (pause_minority)` : ''}`,
        async () => {
          const views = await Promise.all(others.map((n) => readRabbitCluster(site.remote, n, rabbit.ctlCommand)));
          const agreed = views.every((v) => !v.error && v.runningNodes.join() === majority.join());
          seen = views.map((v) => `${v.node}: ${v.error ?? v.runningNodes.join(',')}`).join('; ');
          if (!agreed) return { done: false, seen };
          if (loss === 'partition' && rabbit.partitionHandling === 'pause_minority') {
            const minority = await readRabbitCluster(site.remote, node, rabbit.ctlCommand);
            seen += `; ${node}: ${minority.error ? 'paused' : `still running, sees ${minority.runningNodes.join(',')}`}`;
            return { done: !!minority.error, seen };
          }
          return { done: true, seen };
        },
        // Detection takes up to net_ticktime (60 s by default, 10 s in the lab) plus its tick spread.
        { timeoutMs: 120_000, intervalMs: 2000 },
      );
      return { detectedAfterMs: ms, state: seen };
    },
    judge: (histories) => {
      const findings = [];
      const figures: Record<string, number | string> = {};
      for (const l of lanes) {
        const majorityListener = l.backend !== node;
        const outage = outageWindows(histories[l.lane] ?? [], { subject: l.lane, ...(majorityListener ? { maxOutageMs: MAJORITY_OUTAGE_ALLOWANCE_MS } : {}) });
        findings.push(...outage.findings);
        figures[`${l.lane}: longest outage ms`] = outage.longestMs;
        figures[`${l.lane}: failed handshakes`] = outage.failed;
      }
      return { findings, figures };
    },
    // Judged: the rabbit driver's lost connections and reconnects are expected
    // (and, on a partitioned node, to every broker it is cut from); anything
    // else at ERROR, a MessagingTimeout above all, fails.
    troveLogs: { mode: 'judge', allow: [AMQP_RECONNECT] },
    recoveryBoundMs: env.timeouts.clusterRecoveryMs,
  };
}

export function rabbitmqScenarios(env: Environment): Scenario[] {
  if (!env.rabbitmq || Object.keys(env.rabbitmq.nodes).length < 3) return [];
  const last = Object.keys(env.rabbitmq.nodes).at(-1)!;
  return [rabbitmqNodeLoss(env, last, 'partition'), rabbitmqNodeLoss(env, last, 'stop')];
}
