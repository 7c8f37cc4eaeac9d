// The design card's "partition RabbitMQ", and a stopped node: the cluster
// behaves as its partition handling says and is whole again after the heal.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { runScenario } from '../../lib/scenario/run-scenario.ts';
import { rabbitmqScenarios } from '../../scenarios/rabbitmq-node-loss.ts';

const { env } = runContextFromProcess();

describe('HA: RabbitMQ node loss', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  for (const scenario of rabbitmqScenarios(env)) {
    it(scenario.title, async () => {
      await runScenario(site, scenario);
    });
  }
});
