// Turning findings into a test outcome: all findings go into the report as an
// attachment, and the assertion message lists the failing ones.
import assert from 'node:assert/strict';
import { attachText } from '../report/allure.ts';
import { describeFindings, failures, type Finding } from './finding.ts';

export async function expectHealthy(title: string, findings: Finding[]): Promise<void> {
  await attachText(title, describeFindings(findings));
  const bad = failures(findings);
  assert.ok(findings.length > 0, `${title}: nothing was checked`);
  assert.equal(bad.length, 0, `${title}: ${bad.length} of ${findings.length} checks failed:\n${describeFindings(bad)}`);
}
