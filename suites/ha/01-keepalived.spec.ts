// The design card's "fail a keepalived master": for every VIP, a clean stop, a
// crash and a cut link of its current master. The VIP must move and what its
// clients see must recover within keepalived's own bound.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { runScenario } from '../../lib/scenario/run-scenario.ts';
import { keepalivedScenarios } from '../../scenarios/keepalived-master-failure.ts';

// Scenario titles are known at load time from the environment file.
const { env } = runContextFromProcess();

describe('HA: keepalived master failure', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  for (const scenario of keepalivedScenarios(env)) {
    it(scenario.title, async () => {
      await runScenario(site, scenario);
    });
  }
});
