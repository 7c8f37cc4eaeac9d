// The `trove-ha` command line.
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/runner/suites.ts';
import { action } from './exit.ts';
import { runCommand } from './run.ts';
import { reportCommand } from './report.ts';
import { lintEnvCommand } from './lint-env.ts';
import { healCommand } from './heal.ts';
import { labCommand } from './lab.ts';
import { provisionCommand } from './provision.ts';

const program = new Command('trove-ha')
  .description('Chaos and HA verification harness for OpenStack Trove deployments')
  .showHelpAfterError()
  .exitOverride((err) => {
    // Usage errors are configuration errors: exit 2, as documented.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

const reportsOption = () => new Option('--reports <dir>', 'where runs and reports are written').default(join(PROJECT_ROOT, 'reports'));

program
  .command('run')
  .description('run suites against a site and write the Allure report and JUnit XML')
  .requiredOption('-e, --env <name|path>', 'environment: a name under environments/ or a path to a .yaml file')
  .option('-s, --suite <names...>', 'suites: sanity, functional, ha, or all', ['all'])
  .option('-g, --grep <pattern>', 'only tests whose title matches')
  .option('--run-id <id>', 'use this run id instead of a new one')
  .addOption(reportsOption())
  .option('--bail', 'stop at the first failure')
  .option('--no-report', 'skip generating the Allure report')
  .option('--with-lab', 'bring the embedded lab up before the run and down after it')
  .action(action(runCommand));

program
  .command('report [run-id]')
  .description('generate the Allure report of a run (default: the newest)')
  .addOption(reportsOption())
  .action(action(reportCommand));

program
  .command('heal')
  .description('undo every fault a crashed or interrupted run left behind, then check health')
  .requiredOption('-e, --env <name|path>', 'environment')
  .action(action(healCommand));

program
  .command('lint-env [names...]')
  .description('validate environment files (default: all under environments/) without contacting anything')
  .action(action(lintEnvCommand));

program
  .command('provision')
  .description("build the documents' Trove management topology (networks, security group, HAProxy VMs, their configs), then lint it")
  .requiredOption('-e, --env <name|path>', 'environment (needs a provision section)')
  .option('--dry-run', 'read everything, change nothing, print the plan')
  .option('--lint-only', 'only lint the site as it is')
  .option('--no-nodes', 'not the configs on the HAProxy nodes (and no SSH to them)')
  .option('--no-trove', 'not the cloud-init script on the controllers nor the datastore')
  .option('-v, --verbose', 'also print unchanged objects and passing lint findings')
  .action(action(provisionCommand));

const lab = program.command('lab').description('the embedded single-machine lab (root, Debian 12)');
for (const a of ['up', 'down', 'status'] as const) {
  lab.command(a).description(`lab ${a}`).action(action(() => labCommand(a)));
}

await program.parseAsync(process.argv);
