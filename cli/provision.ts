// `trove-ha provision --env <name> [--dry-run] [--lint-only] [--no-nodes]`:
// build (or plan) the documents' Trove management topology through the
// OpenStack APIs and SSH, then lint it. Exit 0: done (or planned) and the lint
// is clean; 1: drift or lint findings; 2: configuration error; 3: a step failed.
import { loadEnvironment } from '../lib/env/load.ts';
import { openSessions } from '../lib/openstack/sessions.ts';
import { formatChange } from '../lib/provision/change.ts';
import { provisionOf } from '../lib/provision/desired.ts';
import { describeFindings, failures, runProvision, summary } from '../lib/provision/run-provision.ts';
import { Remote } from '../lib/remote/remote.ts';
import { ServiceControl } from '../lib/topology/service-control.ts';
import { EXIT } from './exit.ts';

export interface ProvisionCliOptions {
  env: string;
  dryRun?: boolean;
  lintOnly?: boolean;
  nodes: boolean;
  trove: boolean;
  verbose?: boolean;
}

export async function provisionCommand(opts: ProvisionCliOptions): Promise<number> {
  const { env } = loadEnvironment(opts.env);
  provisionOf(env);
  const dryRun = !!opts.dryRun || !!opts.lintOnly;
  const { admin } = openSessions(env);
  const remote = new Remote(env);
  try {
    const result = await runProvision(env, admin, remote, new ServiceControl(env, remote), {
      dryRun,
      cloud: !opts.lintOnly,
      // With --lint-only, `nodes` only says whether the lint reads keepalived.conf over SSH: a dry run changes nothing there.
      nodes: opts.nodes,
      lint: true,
      trove: !opts.lintOnly && opts.trove,
      onPhase: (line) => process.stdout.write(`== ${line}\n`),
      onChange: (c) => {
        if (c.action !== 'unchanged' || opts.verbose) process.stdout.write(`${formatChange(c, dryRun)}\n`);
      },
    });
    const bad = failures(result.findings);
    if (result.findings.length) process.stdout.write(`== lint findings\n${describeFindings(opts.verbose ? result.findings : bad) || 'no findings failing'}\n`);
    process.stdout.write(`${summary(result, dryRun)}\n`);
    return bad.length || result.counts.drift ? EXIT.testFailures : EXIT.ok;
  } finally {
    await remote.close();
  }
}
