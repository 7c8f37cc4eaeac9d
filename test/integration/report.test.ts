// A run produces Allure results with the right categories, JUnit XML for CI, and
// a single-file report that opens in a real browser (Debian chromium).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironment } from '../../lib/env/load.ts';
import { runSuites } from '../../lib/runner/mocha-run.ts';
import { generateAllureReport, reportPaths } from '../../lib/runner/allure-report.ts';
import { PROJECT_ROOT } from '../../lib/runner/suites.ts';
import { viewPage } from '../../lib/report/browser.ts';
import { launchBrowser } from '../../lib/report/browser.ts';

describe('run report', function () {
  this.timeout(120_000);
  const reports = mkdtempSync(join(tmpdir(), 'trove-ha-report-'));
  const runId = '20261121-120000-0001';
  let index = '';

  before(async () => {
    const { env, file } = loadEnvironment('lab');
    const outcome = await runSuites({ env, envFile: file, suites: [], runId, reportsRoot: reports, files: [join(PROJECT_ROOT, 'test/fixtures/sample-suite/sample.spec.ts')], terminal: false });
    assert.deepEqual([outcome.tests, outcome.passes, outcome.failures], [4, 1, 3]);
    index = await generateAllureReport(reportPaths(reports, runId), `trove-ha lab ${runId}`);
  });

  it('writes JUnit XML with every test case', () => {
    const xml = readFileSync(join(reports, runId, 'junit.xml'), 'utf8');
    assert.match(xml, /<testsuite name="trove-ha lab 20261121-120000-0001"/);
    assert.match(xml, / tests="4"/);
    assert.match(xml, / errors="3"/, 'mocha xunit counts every failed test as an error');
    assert.equal(xml.match(/<testcase /g)?.length, 4);
  });

  it('records environment info and categories with the results', () => {
    const dir = reportPaths(reports, runId).resultsDir;
    assert.match(readFileSync(join(dir, 'environment.properties'), 'utf8'), /^Run\\ id=20261121-120000-0001$/m);
    assert.ok(existsSync(join(dir, 'categories.json')));
  });

  it('opens in a browser and shows the tests with their categories', async () => {
    const view = await viewPage(`file://${index}`, join(reports, 'report.png'), 'passes with steps and an attachment');
    assert.equal(view.title, `trove-ha lab ${runId}`);
    for (const t of ['fails an assertion (product defect)', 'breaks on a programming error (harness bug)', 'breaks on an unreachable site (environment failure)']) assert.ok(view.text.includes(t), `report lacks ${t}`);
    assert.match(view.text, /Environment\s+lab/);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${index}`);
      await page.getByText('Categories').first().click();
      const byCategory = await page.getByText('Harness bug').first().waitFor({ timeout: 15_000 }).then(() => page.innerText('body'));
      for (const c of ['Environment failure', 'Harness bug', 'Product defect']) assert.ok(byCategory.includes(c), `category ${c} missing`);
    } finally {
      await browser.close();
    }
  });

  it('keeps history across runs for trends', () => {
    assert.ok(readFileSync(join(reports, 'history.jsonl'), 'utf8').trim().split('\n').length >= 1);
  });
});
