#!/usr/bin/env node
// The harness's own test command (`npm test`): type-check, then every test file
// under test/ in one mocha run (unit, integration against real daemons on
// loopback, then the lab tests, which bring the embedded lab up and down).
// The last line is the plain summary CI reads: "N passed, N failed".
// Usage: npm test [-- --grep <pattern>] [-- --only unit|integration|lab]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const grep = opt('--grep');
const only = opt('--only');
const groups = only ? only.split(',') : ['unit', 'integration', 'lab'];

let passed = 0;
let failed = 0;

// 1. Type check: tsx runs TypeScript without checking types.
if (!grep) {
  process.stdout.write('== tsc --noEmit\n');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  if (tsc.status === 0) {
    passed += 1;
    process.stdout.write('typecheck: ok\n');
  } else {
    failed += 1;
    process.stdout.write('typecheck: FAILED\n');
  }
}

// 2. Mocha over the test files, in group order.
function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? walk(p) : e.endsWith('.test.ts') ? [p] : [];
    });
}
const files = groups.flatMap((g) => walk(join(root, 'test', g)));

register();
const { default: Mocha } = await import('mocha');
const mocha = new Mocha({ reporter: 'spec', timeout: 60_000, ...(grep ? { grep } : {}) });
mocha.files = files;
await mocha.loadFilesAsync();
const stats = await new Promise((resolve) => {
  const runner = mocha.run(() => resolve(runner.stats));
});
passed += stats.passes;
failed += stats.failures;
const pending = stats.pending ? `, ${stats.pending} skipped` : '';
process.stdout.write(`\n${passed} passed, ${failed} failed${pending}\n`);
process.exit(failed > 0 ? 1 : 0);
