// Kill trove-api on one controller: requests through the API VIP keep
// succeeding; the failed ones are counted and reported.
import { runContextFromProcess } from '../../lib/runner/run-context.ts';
import { openSite, type Site } from '../../lib/harness/site.ts';
import { runScenario } from '../../lib/scenario/run-scenario.ts';
import { killTroveApi } from '../../scenarios/kill-trove-api.ts';

const { env } = runContextFromProcess();
const apiNodes = Object.keys(env.services[env.trove.services.api]?.instances ?? {});

describe('HA: trove-api failure', () => {
  let site: Site;
  before(() => (site = openSite()));
  after(() => site?.close());

  if (apiNodes.length > 1) {
    const scenario = killTroveApi(env, apiNodes[0]!);
    it(scenario.title, async () => {
      await runScenario(site, scenario);
    });
  }
});
