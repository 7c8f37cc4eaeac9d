// What a spec needs to know about the run it is part of. The runner passes it
// through environment variables, so spec files stay plain mocha files and no
// module-level singleton is shared between suites: each suite builds its own
// drivers from this in its before() hook and closes them in after().
import { loadEnvironment, type LoadedEnvironment } from '../env/load.ts';
import { ConfigError } from '../env/errors.ts';

export const RUN_ENV_VARS = {
  envFile: 'TROVE_HA_ENV_FILE',
  runId: 'TROVE_HA_RUN_ID',
  runDir: 'TROVE_HA_RUN_DIR',
} as const;

export interface RunContext extends LoadedEnvironment {
  runId: string;
  /** reports/<run-id>: attachments and evidence of this run go under it. */
  runDir: string;
}

export function runContextFromProcess(vars: NodeJS.ProcessEnv = process.env): RunContext {
  const envFile = vars[RUN_ENV_VARS.envFile];
  const runId = vars[RUN_ENV_VARS.runId];
  const runDir = vars[RUN_ENV_VARS.runDir];
  if (!envFile || !runId || !runDir) {
    throw new ConfigError(`suites run inside \`trove-ha run\`, which sets ${Object.values(RUN_ENV_VARS).join(', ')}; run them with: npx trove-ha run --env <name> --suite <suite>`);
  }
  return { ...loadEnvironment(envFile), runId, runDir };
}
