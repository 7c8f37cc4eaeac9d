// The health of a whole site, as far as its environment file declares it:
// Galera, RabbitMQ, every VIP, every HAProxy, the toxiproxy servers. Used after healing (trove-ha
// heal) and as a scenario's baseline; each section is read in parallel.
import type { Environment } from '../env/schema.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { fail, type Finding } from './finding.ts';
import { judgeGalera, readGalera } from './galera.ts';
import { judgeHaproxy, readHaproxy } from './haproxy.ts';
import { judgeRabbit, readRabbitCluster } from './rabbitmq.ts';
import { judgeVip, readVipHolders } from './vip.ts';
import { judgeToxiproxy, readToxiproxy } from './toxiproxy.ts';

export async function checkSiteHealth(env: Environment, remote: RemoteExecutor): Promise<Finding[]> {
  const sections: Array<Promise<Finding[]>> = [];
  const galera = env.galera;
  if (galera) sections.push(readGalera(remote, galera.nodes, galera.clientCommand).then((states) => judgeGalera(states, { members: galera.nodes })));
  const rabbit = env.rabbitmq;
  if (rabbit) {
    const expected = Object.values(rabbit.nodes);
    // Every node's own view: a paused minority node disagrees with the majority.
    for (const node of Object.keys(rabbit.nodes)) sections.push(readRabbitCluster(remote, node, rabbit.ctlCommand).then((view) => judgeRabbit(view, expected)));
  }
  for (const [name, vip] of Object.entries(env.vips)) sections.push(readVipHolders(remote, name, vip.address, vip.holders).then(judgeVip));
  for (const [node, socket] of Object.entries(env.haproxy?.statsSockets ?? {})) {
    sections.push(
      readHaproxy(remote, node, socket).then(
        (rows) => judgeHaproxy(node, rows),
        (e: Error) => [fail('haproxy.reachable', node, `cannot read the stats socket ${socket}: ${e.message.split('\n')[0]}`)],
      ),
    );
  }
  const toxiproxy = env.toxiproxy;
  if (toxiproxy) sections.push(readToxiproxy(toxiproxy, env.timeouts.httpRequestMs).then((view) => judgeToxiproxy(view, toxiproxy.proxies ? Object.keys(toxiproxy.proxies) : undefined)));
  return (await Promise.all(sections)).flat();
}
