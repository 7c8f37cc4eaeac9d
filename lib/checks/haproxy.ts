// HAProxy backend health from the stats socket (`show stat` CSV), read on the
// node that runs that HAProxy.
import type { RemoteExecutor } from '../remote/types.ts';
import { shellQuote } from '../remote/shell-quote.ts';
import { pass, fail, type Finding } from './finding.ts';

export interface HaproxyServerRow {
  proxy: string;
  server: string;
  /** UP, DOWN, "UP 1/2", "DOWN 1/2", MAINT, "no check", ... */
  status: string;
  /** A `backup` server: takes traffic only when no active server is UP. */
  backup: boolean;
  checkStatus: string;
  lastChange: number;
}

/** Parse `show stat` CSV into server rows (FRONTEND and BACKEND summary rows dropped). */
export function parseShowStat(csv: string): HaproxyServerRow[] {
  const lines = csv.split('\n').filter((l) => l.trim());
  const header = lines.shift();
  if (!header?.startsWith('# ')) throw new Error(`not a HAProxy "show stat" CSV (first line: ${header?.slice(0, 60) ?? 'empty'})`);
  const cols = header.slice(2).split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`HAProxy CSV has no column ${name}`);
    return i;
  };
  const [px, sv, st, bck, chk, lastchg] = ['pxname', 'svname', 'status', 'bck', 'check_status', 'lastchg'].map(at) as [number, number, number, number, number, number];
  return lines
    .map((l) => l.split(','))
    .filter((f) => f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND')
    .map((f) => ({ proxy: f[px]!, server: f[sv]!, status: f[st]!, backup: f[bck] === '1', checkStatus: f[chk] ?? '', lastChange: Number(f[lastchg] ?? 0) }));
}

export async function readHaproxy(remote: RemoteExecutor, node: string, statsSocket: string): Promise<HaproxyServerRow[]> {
  const r = await remote.exec(node, `echo 'show stat' | socat stdio unix-connect:${shellQuote(statsSocket)}`, { timeoutMs: 15_000 });
  return parseShowStat(r.stdout);
}

/** Every server of the given proxies is UP (all proxies when `proxies` is omitted). */
export function judgeHaproxy(node: string, rows: HaproxyServerRow[], proxies?: string[]): Finding[] {
  const relevant = proxies ? rows.filter((r) => proxies.includes(r.proxy)) : rows;
  if (relevant.length === 0) return [fail('haproxy.backends', node, `no servers found${proxies ? ` for ${proxies.join(', ')}` : ''}`)];
  return relevant.map((r) =>
    r.status.startsWith('UP') || r.status === 'no check'
      ? pass('haproxy.backend-up', `${node} ${r.proxy}/${r.server}`, r.status)
      : fail('haproxy.backend-up', `${node} ${r.proxy}/${r.server}`, `${r.status}${r.checkStatus ? ` (${r.checkStatus})` : ''} for ${r.lastChange} s`),
  );
}
