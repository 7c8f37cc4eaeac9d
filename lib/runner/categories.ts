// Allure categories that tell an operator, at a glance, whose problem a red test
// is. Allure applies the first category that matches, so order matters:
//  1. the site could not be reached or was unhealthy before the test could judge
//     anything (environment failure: fix the site or the environment file);
//  2. the harness itself threw a programming error (harness bug: file an issue);
//  3. an assertion about Trove's behaviour failed (product defect);
//  4. anything else that broke.
// Allure marks assertion failures "failed" and every other exception "broken".
// Regexes are JavaScript (Allure 3 is JS): no inline (?s) flag, hence [\s\S].
export interface Category {
  name: string;
  description: string;
  matchedStatuses: Array<'failed' | 'broken' | 'passed' | 'skipped' | 'unknown'>;
  messageRegex?: string;
  traceRegex?: string;
}

const ENVIRONMENT_SIGNS = [
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'ENOTFOUND',
  'ssh connect', 'host key', 'Site unreachable', 'environment failure',
];

export const CATEGORIES: Category[] = [
  {
    name: 'Environment failure',
    description: 'The site or the environment file prevented the test from judging Trove: unreachable node, refused connection, unknown host key, missing secret.',
    matchedStatuses: ['broken', 'failed'],
    messageRegex: `[\\s\\S]*(${ENVIRONMENT_SIGNS.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})[\\s\\S]*`,
  },
  {
    name: 'Harness bug',
    description: 'The harness threw a programming error; the site was not judged. Report it with this test\'s trace.',
    matchedStatuses: ['broken'],
    traceRegex: '[\\s\\S]*\\b(TypeError|ReferenceError|SyntaxError|RangeError)\\b[\\s\\S]*',
  },
  {
    name: 'Product defect',
    description: 'Trove or the HA topology did not behave as expected: an assertion on its behaviour failed.',
    matchedStatuses: ['failed'],
  },
  {
    name: 'Broken (unclassified)',
    description: 'An unexpected error that is neither an assertion nor a known environment problem.',
    matchedStatuses: ['broken'],
  },
];
