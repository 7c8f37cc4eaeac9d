// `lab status`: nodes, services (supervisorctl status per node) and cluster
// health (each step's status lines: Galera per node, RabbitMQ running nodes and
// partitions, VIP holders, HAProxy backends). Read-only; works on a partial lab.
import { labSteps } from './all-steps.ts';
import { nodes } from './plan.ts';
import { listNetns } from './procs.ts';
import { allProgramStatus, type ProgramState } from './steps/nodes.ts';
import { stepContext } from './up.ts';

export interface LabStatusOptions {
  progress?: (line: string) => void;
}

export interface LabStatusResult {
  /** True when every namespace exists (the lab is at least wired). */
  up: boolean;
  namespaces: string[];
  services: Record<string, ({ name: string } & ProgramState)[] | 'supervisord not answering' | 'no namespace'>;
  /** Per step: its status lines. */
  health: Record<string, string[]>;
  /** Every step's check() holds (what `lab up` would find: nothing to do). */
  healthy: boolean;
  /** What the failing checks reported. */
  problems: string[];
}

export async function labStatus(opts: LabStatusOptions = {}): Promise<LabStatusResult> {
  const progress = opts.progress ?? (() => undefined);
  const namespaces = await listNetns();
  const up = nodes.every((n) => namespaces.includes(n.name));
  const services: LabStatusResult['services'] = {};
  const health: LabStatusResult['health'] = {};
  if (!namespaces.some((ns) => nodes.some((n) => n.name === ns))) {
    progress('lab is down (no lab namespace)');
    return { up: false, namespaces, services, health, healthy: false, problems: ['lab is down'] };
  }
  await Promise.all(
    nodes.map(async (n) => {
      services[n.name] = !namespaces.includes(n.name) ? 'no namespace' : ((await allProgramStatus(n.name)) ?? 'supervisord not answering');
    }),
  );
  const started = Date.now();
  const problems: string[] = [];
  const steps = await labSteps();
  for (const step of steps) {
    if (!step.status) continue;
    try {
      health[step.name] = await step.status(stepContext(step, started, () => undefined));
    } catch (err) {
      health[step.name] = [`${step.name}: status failed: ${err instanceof Error ? err.message : String(err)}`];
    }
    if (step.name === 'nodes') {
      for (const line of health[step.name]!) progress(line);
      progress('services:');
      for (const n of nodes) {
        const s = services[n.name]!;
        progress(typeof s === 'string' ? `  ${n.name}: ${s}` : `  ${n.name}: ${s.map((p) => `${p.name} ${p.state}`).join(', ') || '(no programs)'}`);
      }
    } else for (const line of health[step.name]!) progress(line);
  }
  // Checks only read state; their complaints are the problems list.
  for (const step of steps) {
    const found: string[] = [];
    const ok = await step.check(stepContext(step, started, (line) => found.push(line.replace(/^\[[^\]]*\] /, '')))).catch((err: Error) => {
      found.push(`${step.name}: check failed: ${err.message}`);
      return false;
    });
    if (!ok) problems.push(...(found.length ? found : [`${step.name}: not healthy`]));
  }
  const healthy = up && problems.length === 0;
  progress(healthy ? 'healthy: every step check holds' : `NOT healthy: ${problems.join('; ')}`);
  return { up, namespaces, services, health, healthy, problems };
}
