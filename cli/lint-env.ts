// `trove-ha lint-env [names...]`: validate environment files without contacting
// anything. With no names, every file under environments/.
import { readdirSync } from 'node:fs';
import { ENVIRONMENTS_DIR, loadEnvironment } from '../lib/env/load.ts';
import { ConfigError } from '../lib/env/errors.ts';

export async function lintEnvCommand(names: string[]): Promise<number> {
  const targets = names.length ? names : readdirSync(ENVIRONMENTS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `${ENVIRONMENTS_DIR}/${f}`);
  const problems: string[] = [];
  for (const t of targets) {
    try {
      const { env, file } = loadEnvironment(t);
      process.stdout.write(`ok: ${file} (${env.name}: ${Object.keys(env.nodes).length} nodes, ${Object.keys(env.services).length} services, ${Object.keys(env.vips).length} VIPs, destructive ${env.destructive})\n`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) throw new ConfigError(problems.join('\n'), problems);
  return 0;
}
