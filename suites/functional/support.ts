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
  /**
   * Registers the suite's preparation (an instance, a user...) as a before()
   * hook that never fails itself: a failure is kept and every test of the suite
   * fails with it, so each item of the plan still shows as a failed test in
   * the report (a failed mocha hook would hide them all).
   */
  setup(body: () => Promise<void>): void;
  /** Throws the preparation's failure, if any; call first in each test. */
  prepared(): void;
}

/** Call inside describe(): returns a holder filled in before() and emptied in after(). */
export function functionalSuite(id: string): FunctionalSuite {
  const s = {} as FunctionalSuite;
  let setupError: Error | undefined;
  s.setup = (body) =>
    before(async function () {
      this.timeout(20 * 60_000);
      try {
        await body();
      } catch (e) {
        setupError = e as Error;
      }
    });
  s.prepared = () => {
    if (setupError) throw new Error(`the suite's preparation failed: ${setupError.message}`);
  };
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
