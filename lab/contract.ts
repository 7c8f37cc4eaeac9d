// The parts of environments/lab.yaml the lab builder must honour (names, log
// paths, stats sockets, probe user...). Read from the file itself rather than
// repeated here, so the lab builds exactly what the harness will expect.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const LAB_ENV_FILE = fileURLToPath(new URL('../environments/lab.yaml', import.meta.url));

interface Instance {
  unit: string;
  log: string;
}
interface LabContract {
  services: Record<string, { instances: Record<string, Instance> }>;
  galera: { probeUser: { username: string }; probeDatabase: string; clustercheckPort: number };
  rabbitmq: { nodes: Record<string, string>; partitionHandling?: string };
  haproxy: { statsSockets: Record<string, string> };
}

let cached: LabContract | undefined;
export function contract(): LabContract {
  cached ??= parse(readFileSync(LAB_ENV_FILE, 'utf8')) as LabContract;
  return cached;
}

/** Supervisor program name and log file of a service on a node, e.g. ('galera', 'ctl1'). */
export function serviceInstance(service: string, node: string): Instance {
  const inst = contract().services[service]?.instances[node];
  if (!inst) throw new Error(`${LAB_ENV_FILE}: services.${service}.instances.${node} is missing`);
  return inst;
}

export function statsSocket(node: string): string {
  const s = contract().haproxy.statsSockets[node];
  if (!s) throw new Error(`${LAB_ENV_FILE}: haproxy.statsSockets.${node} is missing`);
  return s;
}
