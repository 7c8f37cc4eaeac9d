// `trove-ha lab up|down|status`: the embedded lab. Only the CLI imports lab/;
// lib/ never does, so the harness treats the lab like any other site.
import { progressPrinter } from './progress.ts';
import { ConfigError } from '../lib/env/errors.ts';

export async function labCommand(action: 'up' | 'down' | 'status'): Promise<number> {
  if (process.getuid?.() !== 0) throw new ConfigError(`lab ${action}: the embedded lab builds network namespaces and needs root; run it as root on a Debian 12 machine`);
  const lab = await import('../lab/index.ts');
  const progress = progressPrinter('lab: ');
  if (action === 'up') await lab.labUp({ progress });
  else if (action === 'down') await lab.labDown({ progress });
  else {
    const report = await lab.labStatus({ progress });
    return report.healthy ? 0 : 1;
  }
  return 0;
}
