// The design card's "stop a Galera node", and a partitioned one: the majority
// keeps the cluster Primary, no acknowledged write is lost, the node rejoins.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { runScenario } from '../../lib/scenario/run-scenario.ts';
import { galeraScenarios } from '../../scenarios/galera-node-loss.ts';

const { env } = runContextFromProcess();

describe('HA: Galera node loss', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  for (const scenario of galeraScenarios(env)) {
    it(scenario.title, async () => {
      await runScenario(site, scenario);
    });
  }
});
