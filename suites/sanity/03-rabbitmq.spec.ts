// RabbitMQ as seed 001 deploys it: one cluster of all nodes, seen the same from
// every node, no partition recorded, no resource alarm.
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place, step } from '../../lib/report/allure.ts';
import { readRabbitCluster, judgeRabbit } from '../../lib/checks/rabbitmq.ts';
import { expectHealthy } from '../../lib/checks/assert.ts';

describe('sanity: RabbitMQ', () => {
  let site: Site;
  before(function () {
    site = openSite();
    if (!site.env.rabbitmq) this.skip(); // no RabbitMQ cluster declared
  });
  after(() => site?.close());

  it('every node sees all nodes running, no partition, no alarm', async () => {
    await place({ epic: 'Sanity', feature: 'RabbitMQ', story: 'cluster state' });
    const r = site.env.rabbitmq!;
    const all = Object.values(r.nodes);
    const findings = [];
    for (const node of Object.keys(r.nodes)) {
      const view = await step(`${node}: rabbitmqctl cluster_status`, () => readRabbitCluster(site.remote, node, r.ctlCommand));
      findings.push(...judgeRabbit(view, all));
    }
    await expectHealthy('RabbitMQ', findings);
  });
});
