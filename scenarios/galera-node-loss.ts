// One Galera node is lost, by a clean stop of its database server or by a
// network partition of its replication traffic (galera.replicationPorts only:
// the node's RabbitMQ and Trove services keep their links, so what is judged
// is Galera's own partition handling): the others stay Primary with size N-1
// and keep taking writes through the load-balanced endpoint, no acknowledged
// write is lost, and after the heal the node rejoins Synced.
import type { Environment } from '../lib/env/schema.ts';
import { partitionNode, stopGaleraNode } from '../lib/faults/index.ts';
import { sqlEndpointFromEnv, sqlWriteProbe, type SqlWriteProbe } from '../lib/probes/index.ts';
import { lostWrites, outageWindows } from '../lib/checks/history.ts';
import { judgeGalera, readGalera } from '../lib/checks/galera.ts';
import { failures, describeFindings } from '../lib/checks/finding.ts';
import { waitUntil } from '../lib/harness/wait.ts';
import type { Scenario } from '../lib/scenario/scenario.ts';

type Loss = 'stop' | 'partition';

export function galeraNodeLoss(env: Environment, node: string, loss: Loss): Scenario {
  const galera = env.galera!;
  const others = galera.nodes.filter((n) => n !== node);
  let sql: SqlWriteProbe | undefined;
  const lane = `SQL writes through ${galera.endpoint.host}:${galera.endpoint.port}`;
  return {
    id: `galera-${loss}-${node}`,
    title: `Galera node ${node} is lost: ${loss === 'stop' ? 'database server stopped' : `partitioned from ${others.join(', ')} (Galera replication ports ${galera.replicationPorts.join(', ')})`}`,
    feature: 'Galera node loss',
    fault: (ctx) => (loss === 'stop' ? stopGaleraNode(ctx, node) : partitionNode(ctx, node, others, { tcpPorts: galera.replicationPorts })),
    probes: (site, maxDurationMs) => {
      sql = sqlWriteProbe(sqlEndpointFromEnv(site.env), { maxDurationMs, runId: site.ctx.runId });
      return [{ lane, live: true, probe: sql }];
    },
    whileInjected: async (site) => {
      let seen = '';
      const ms = await waitUntil(
        `${others.join(', ')} to form a Primary component of ${others.length} without ${node}`,
        async () => {
          const findings = judgeGalera(await readGalera(site.remote, galera.nodes, galera.clientCommand), { members: others });
          const bad = failures(findings);
          seen = describeFindings(bad).split('\n').slice(0, 2).join('; ');
          return { done: bad.length === 0, seen };
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      const since = Date.now();
      await waitUntil(
        'acknowledged SQL writes while the node is lost',
        async () => ({ done: sql!.history().filter((e) => e.ok && e.t > since).length >= 5 }),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      return { majorityPrimaryAfterMs: ms, members: others.join(', ') };
    },
    judge: async (histories) => {
      const writes = histories[lane] ?? [];
      const lost = lostWrites(sql!.acknowledgedKeys(), await sql!.finalRead(), lane);
      const outage = outageWindows(writes, { subject: lane });
      return {
        findings: [...lost.findings, ...outage.findings],
        figures: { acknowledgedWrites: sql!.acknowledgedKeys().length, lostWrites: lost.missing.length, longestWriteOutageMs: outage.longestMs, failedWrites: outage.failed },
      };
    },
    // A partition only cuts replication: the services' connections through the
    // endpoint live on, and what they log is judged (oslo.db's reconnects are
    // explained for every scenario). A stopped writer also kills the queries in
    // flight on it: a trove-api request then fails with "Lost connection to
    // MySQL server during query" (seen in the lab), so there the records are
    // reported, and the SQL probe's outage says how long writes failed.
    troveLogs:
      loss === 'partition'
        ? { mode: 'judge' }
        : {
            mode: 'report',
            reportOnlyBecause: 'queries in flight on the stopped writer fail: trove-api logs the request it could not answer ("Lost connection to MySQL server during query") at ERROR; the SQL probe measures the write outage',
          },
    recoveryBoundMs: env.timeouts.clusterRecoveryMs,
  };
}

export function galeraScenarios(env: Environment): Scenario[] {
  if (!env.galera || env.galera.nodes.length < 3) return [];
  const nodes = env.galera.nodes;
  // The first node is the active writer behind the endpoint (seed 001); the last one a backup.
  return [galeraNodeLoss(env, nodes[0]!, 'stop'), galeraNodeLoss(env, nodes[nodes.length - 1]!, 'partition')];
}
