// `trove-ha heal --env <name>`: undo every fault still recorded in the site's
// fault journal (left by a crashed or interrupted run), then check health.
// Exit 0: all undone and healthy; 1: undone but a health check fails;
// 3: an inverse could not be applied (the entry stays open; undo it by hand).
import { loadEnvironment } from '../lib/env/load.ts';
import { healJournal } from '../lib/faults/heal.ts';
import { journalPath, readJournal } from '../lib/faults/journal.ts';
import { checkSiteHealth } from '../lib/checks/site-health.ts';
import { describeFindings, failures } from '../lib/checks/finding.ts';
import { Remote } from '../lib/remote/remote.ts';
import type { RemoteExecutor } from '../lib/remote/types.ts';
import type { Environment } from '../lib/env/schema.ts';
import { waitUntil } from '../lib/harness/wait.ts';
import { EXIT } from './exit.ts';

export async function healCommand(opts: { env: string }): Promise<number> {
  const { env } = loadEnvironment(opts.env);
  const path = journalPath(env.name);
  if (readJournal(path).every((e) => e.healed)) {
    // Nothing was left behind: do not reach into a site for nothing.
    process.stdout.write(`heal: no open faults in ${path}; nothing to undo\n`);
    return EXIT.ok;
  }
  const remote = new Remote(env);
  try {
    return await healAndCheck(env, remote, path);
  } finally {
    await remote.close();
  }
}

/**
 * The command's body, on any executor (tests use a fake one). After the undo
 * the site needs time to converge (a Galera node rejoins, RabbitMQ resumes), so
 * health is awaited up to `recoveryTimeoutMs` (the environment's
 * timeouts.clusterRecoveryMs) before it is judged.
 */
export async function healAndCheck(
  env: Environment,
  remote: RemoteExecutor,
  path: string,
  out: NodeJS.WritableStream = process.stdout,
  recoveryTimeoutMs = env.timeouts.clusterRecoveryMs,
): Promise<number> {
  const report = await healJournal(env, remote, {
    path,
    onEntry: (e) => out.write(`heal: undoing ${e.id} (${e.kind} on ${e.target}, since ${e.injectedAt}): ${e.inverse.description}\n`),
  });
  for (const e of report.healed) out.write(`heal: healed ${e.id}\n`);
  for (const f of report.failed) out.write(`heal: FAILED to undo ${f.entry.id}: ${f.error}\n  undo by hand: ${f.entry.inverse.description}\n`);
  let findings = await checkSiteHealth(env, remote);
  if (failures(findings).length > 0 && report.failed.length === 0) {
    out.write(`heal: waiting up to ${Math.round(recoveryTimeoutMs / 1000)} s for the site to converge\n`);
    await waitUntil(
      'every health check to pass after the heal',
      async () => {
        findings = await checkSiteHealth(env, remote);
        return { done: failures(findings).length === 0 };
      },
      { timeoutMs: recoveryTimeoutMs, intervalMs: 2000 },
    ).catch(() => undefined); // judged below, with the last findings
  }
  out.write(`heal: health after healing (${findings.length} checks):\n${describeFindings(findings)}\n`);
  if (report.failed.length > 0) {
    out.write(`heal: ${report.failed.length} fault(s) could not be undone; they stay open in ${path}\n`);
    return EXIT.failure;
  }
  const bad = failures(findings);
  if (bad.length > 0) {
    out.write(`heal: every fault was undone, but ${bad.length} health check(s) fail\n`);
    return EXIT.testFailures;
  }
  out.write('heal: every fault was undone and the site is healthy\n');
  return EXIT.ok;
}
