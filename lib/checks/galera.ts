// Galera health as each node sees itself: cluster size, Primary component,
// Synced local state, ready for queries.
import type { RemoteExecutor } from '../remote/types.ts';
import { pass, fail, type Finding } from './finding.ts';

export interface GaleraNodeState {
  node: string;
  /** Unreachable or mysqld down: the error, and no values. */
  error?: string;
  clusterSize?: number;
  clusterStatus?: string; // Primary | non-Primary | Disconnected
  localState?: string; // Synced | Donor/Desynced | Joining | ...
  ready?: boolean;
}

const VARIABLES = ['wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_ready'];

export const galeraStatusQuery = `SHOW GLOBAL STATUS WHERE Variable_name IN (${VARIABLES.map((v) => `'${v}'`).join(', ')})`;

/** Parse `mysql -N -B -e "SHOW GLOBAL STATUS ..."` output: one "name<TAB>value" per line. */
export function parseGaleraStatus(node: string, stdout: string): GaleraNodeState {
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [k, v] = line.split('\t');
    if (k && v !== undefined) vars.set(k.trim().toLowerCase(), v.trim());
  }
  const size = vars.get('wsrep_cluster_size');
  return {
    node,
    clusterSize: size === undefined ? undefined : Number(size),
    clusterStatus: vars.get('wsrep_cluster_status'),
    localState: vars.get('wsrep_local_state_comment'),
    ready: vars.has('wsrep_ready') ? vars.get('wsrep_ready') === 'ON' : undefined,
  };
}

export async function readGaleraNode(remote: RemoteExecutor, node: string, clientCommand: string, timeoutMs = 15_000): Promise<GaleraNodeState> {
  try {
    const r = await remote.exec(node, `${clientCommand} -N -B -e "${galeraStatusQuery}"`, { timeoutMs, allowFail: true });
    if (r.code !== 0) return { node, error: (r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.code}` };
    return parseGaleraStatus(node, r.stdout);
  } catch (err) {
    return { node, error: (err as Error).message.split('\n')[0] };
  }
}

export function readGalera(remote: RemoteExecutor, nodes: string[], clientCommand: string): Promise<GaleraNodeState[]> {
  return Promise.all(nodes.map((n) => readGaleraNode(remote, n, clientCommand)));
}

export interface GaleraExpectation {
  /** Nodes expected in the Primary component; the others are expected out of it. */
  members: string[];
}

/** Every member: Primary, size = members, Synced, ready. Every non-member: not part of a Primary component. */
export function judgeGalera(states: GaleraNodeState[], expect: GaleraExpectation): Finding[] {
  const out: Finding[] = [];
  const size = expect.members.length;
  for (const s of states) {
    const member = expect.members.includes(s.node);
    if (!member) {
      const inPrimary = !s.error && s.clusterStatus === 'Primary';
      out.push(inPrimary ? fail('galera.isolated', s.node, `expected outside the Primary component, but it reports Primary with size ${s.clusterSize}`) : pass('galera.isolated', s.node, s.error ? `unreachable (${s.error})` : `${s.clusterStatus}, ${s.localState}`));
      continue;
    }
    if (s.error) {
      out.push(fail('galera.reachable', s.node, `cannot read wsrep status: ${s.error}`));
      continue;
    }
    out.push(s.clusterStatus === 'Primary' ? pass('galera.primary', s.node, 'Primary') : fail('galera.primary', s.node, `cluster status ${s.clusterStatus ?? 'unknown'}, expected Primary`));
    out.push(s.clusterSize === size ? pass('galera.size', s.node, `size ${size}`) : fail('galera.size', s.node, `cluster size ${s.clusterSize ?? 'unknown'}, expected ${size}`));
    out.push(s.localState === 'Synced' ? pass('galera.synced', s.node, 'Synced') : fail('galera.synced', s.node, `local state ${s.localState ?? 'unknown'}, expected Synced`));
    out.push(s.ready ? pass('galera.ready', s.node, 'wsrep_ready ON') : fail('galera.ready', s.node, 'wsrep_ready is not ON'));
  }
  return out;
}
