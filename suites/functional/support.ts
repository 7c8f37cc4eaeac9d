// What every functional spec shares: the site and a Trove context opened in
// before(), the suite's cleanup run in after() (whatever the tests did), and
// the Allure placement in the documents' plan.
import { openSite, type Site } from '../../lib/harness/site.ts';
import { place } from '../../lib/report/allure.ts';
import { troveContext, type TroveContext } from '../../lib/trove/context.ts';

export const EPIC = 'Functional matrix';

export interface FunctionalSuite {
  site: Site;
  t: TroveContext;
}

/** Call inside describe(): returns a holder filled in before() and emptied in after(). */
export function functionalSuite(id: string): FunctionalSuite {
  const s = {} as FunctionalSuite;
  before(() => {
    s.site = openSite();
    s.t = troveContext(s.site, id);
  });
  after(async function () {
    // Deletes wait for Trove: give them the environment's bounds, not mocha's default.
    this.timeout(30 * 60_000);
    try {
      await s.t?.cleanup.run();
    } finally {
      await s.site?.close();
    }
  });
  return s;
}

export function feature(item: string, story: string): Promise<void> {
  return place({ epic: EPIC, feature: item, story });
}

/** A test that needs what an earlier one made says so, instead of failing obscurely. */
export function need<T>(value: T | undefined | null | '', what: string): T {
  if (value === undefined || value === null || value === '') throw new Error(`needs ${what}, which an earlier step did not produce (see the failure above)`);
  return value;
}
