// Step "galera": MariaDB 10.11 + galera-4 on ctl1-3 (program `mariadb`), rsync
// SST, user mysql (as root the rsync SST daemon drops to nobody and cannot write
// the datadir: recipe gotcha 2). Health for HAProxy comes from a clustercheck
// HTTP service on 9200 under xinetd, as in seed 001. The probe SQL user and
// database of lab.yaml are created reachable from 198.18.%.
//
// Bootstrap safety: the program runs a wrapper that adds --wsrep-new-cluster only
// when a one-shot flag file exists, and deletes the flag first. Only this step
// creates the flag, and only when no node is in a Primary component; so a later
// restart by supervisor (crash, `supervisorctl restart mariadb`) always joins
// the existing cluster and never bootstraps a second one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabStep, StepContext } from '../step.ts';
import { onNode, run, waitFor } from '../sh.ts';
import { labPaths } from '../paths.ts';
import { controllers, primaryAddress, type LabNode } from '../plan.ts';
import { ensureDir, ensureFile, fileEquals, writeIfChanged } from '../files.ts';
import { ensureSecret } from '../secrets.ts';
import { contract, serviceInstance } from '../contract.ts';
import { addProgram, programStatus, startProgram, stopProgram } from './nodes.ts';

const BIN = join(labPaths.root, 'bin');
const WRAPPER = join(BIN, 'mariadb-galera');
const CLUSTERCHECK = join(BIN, 'clustercheck');
const PROBE_SECRET = 'galera-probe-password';

const mysqlDir = (n: string): string => join(labPaths.node(n), 'mysql');
const dataDir = (n: string): string => join(mysqlDir(n), 'data');
const bootstrapFlag = (n: string): string => join(labPaths.nodeRun(n), 'galera-bootstrap');
const myCnfPath = (n: string): string => join(labPaths.nodeEtc(n), 'mysql', 'my.cnf');
const xinetdPath = (n: string): string => join(labPaths.nodeEtc(n), 'xinetd.d', 'galera-monitor');
const clusterAddress = `gcomm://${controllers.map(primaryAddress).join(',')}`;

function myCnf(n: LabNode): string {
  const addr = primaryAddress(n);
  return `# MariaDB/Galera of lab node ${n.name} (trove-ha-lab), written by lab/steps/galera.ts.
# Seen on the node as /etc/mysql/my.cnf, so \`mariadb\` needs no arguments there.
[mysqld]
user=mysql
datadir=${dataDir(n.name)}
socket=${mysqlDir(n.name)}/mysqld.sock
pid-file=${mysqlDir(n.name)}/mysqld.pid
log-error=${serviceInstance('galera', n.name).log}
# The node's own address, not 0.0.0.0: HAProxy on this node binds the API VIP.
bind-address=${addr}
port=3306
skip-name-resolve
max_connections=500
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
# Small on purpose: 3 nodes share 2 cores and the lab's memory budget.
innodb_buffer_pool_size=32M
innodb_log_file_size=32M
performance_schema=OFF
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_provider_options="gcache.size=32M"
wsrep_cluster_name=trove-ha-lab
wsrep_cluster_address=${clusterAddress}
wsrep_node_address=${addr}
wsrep_node_name=${n.name}
wsrep_sst_method=rsync

[client]
socket=${mysqlDir(n.name)}/mysqld.sock
user=root
`;
}

const wrapperScript = `#!/bin/sh
# Supervisor program \`mariadb\` of a lab controller (written by lab/steps/galera.ts).
# $1 is a one-shot flag file: only when it exists does this start a NEW cluster
# (--wsrep-new-cluster), and the flag is removed first, so a restart by
# supervisor later joins the existing cluster instead of bootstrapping another.
flag="$1"; shift
if [ -e "$flag" ]; then
  rm -f "$flag"
  echo "mariadb-galera: bootstrapping a new cluster (flag $flag)" >&2
  exec /usr/sbin/mariadbd --wsrep-new-cluster "$@"
fi
exec /usr/sbin/mariadbd "$@"
`;

// Like the Percona clustercheck of seed 001: 200 only when wsrep_local_state is 4
// (Synced); a donor, joiner or non-Primary node answers 503. Runs as root over
// the local socket (unix_socket auth), so it needs no clustercheck SQL user.
const clustercheckScript = `#!/bin/sh
# Galera health for HAProxy \`option httpchk\` (xinetd service galera-monitor, port 9200).
state=$(mariadb -N -s -e "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'" 2>/dev/null | awk '{print $2}')
if [ "$state" = "4" ]; then
  code="200 OK"; body="Galera cluster node is synced."
else
  code="503 Service Unavailable"; body="Galera cluster node is not synced (wsrep_local_state=\${state:-unknown})."
fi
printf 'HTTP/1.1 %s\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\nContent-Length: %d\\r\\n\\r\\n%s\\r\\n' "$code" $((\${#body} + 2)) "$body"
`;

function xinetdService(n: LabNode): string {
  return `# Galera clustercheck for HAProxy (seed 001), written by lab/steps/galera.ts.
service galera-monitor
{
   port = ${contract().galera.clustercheckPort}
   bind = ${primaryAddress(n)}
   disable = no
   socket_type = stream
   protocol = tcp
   wait = no
   user = root
   group = root
   groups = yes
   server = ${CLUSTERCHECK}
   type = UNLISTED
   per_source = UNLIMITED
   log_on_success =
   log_on_failure = HOST
   flags = REUSE
}
`;
}

const mariadbProgram = (n: string) => ({
  name: serviceInstance('galera', n).unit,
  command: `${WRAPPER} ${bootstrapFlag(n)}`,
  stopWaitSecs: 60,
});
const xinetdProgram = (n: string) => ({
  name: 'xinetd',
  // -dontfork: stay in the foreground under supervisor; log to stderr -> supervisor log.
  command: `/usr/sbin/xinetd -dontfork -stayalive -pidfile ${labPaths.nodeRun(n)}/xinetd.pid -filelog ${labPaths.nodeLog(n)}/xinetd.log`,
});

/** Run SQL as root on a node over its local socket; the SQL goes on stdin so secrets never reach a log. */
export function sql(node: string, query: string, log?: string, allowFail = false) {
  return run(onNode(node, ['mariadb', '-N', '-s']), { input: query, log, allowFail, timeoutMs: 30_000 });
}

export interface WsrepState {
  size: number;
  status: string;
  state: string;
  ready: string;
}

export async function wsrepState(node: string): Promise<WsrepState | undefined> {
  const r = await sql(node, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_cluster_status','wsrep_local_state_comment','wsrep_ready');", undefined, true);
  if (r.code !== 0) return undefined;
  const v = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('\t') as [string, string]));
  return { size: Number(v.wsrep_cluster_size ?? 0), status: v.wsrep_cluster_status ?? '?', state: v.wsrep_local_state_comment ?? '?', ready: v.wsrep_ready ?? '?' };
}

const healthy = (s: WsrepState | undefined, size = controllers.length): boolean => !!s && s.status === 'Primary' && s.state === 'Synced' && s.size === size;

async function httpStatus(host: string, port: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(3000) });
    await res.text();
    return res.status;
  } catch {
    return undefined;
  }
}

async function probeUserWorks(): Promise<boolean> {
  const { probeUser, probeDatabase } = contract().galera;
  const r = await run(['mariadb', '--no-defaults', '-h', primaryAddress(controllers[0]!), '-u', probeUser.username, '-N', '-s', '-e', `SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='${probeDatabase}'`], {
    allowFail: true,
    timeoutMs: 15_000,
    env: { ...process.env, MYSQL_PWD: ensureSecret(PROBE_SECRET) },
  });
  return r.code === 0 && r.stdout.trim() === '1';
}

async function gaps(): Promise<string[]> {
  const out: string[] = [];
  if (!fileEquals(WRAPPER, wrapperScript) || !fileEquals(CLUSTERCHECK, clustercheckScript)) out.push('scripts');
  await Promise.all(
    controllers.map(async (n) => {
      if (!fileEquals(myCnfPath(n.name), myCnf(n)) || !fileEquals(xinetdPath(n.name), xinetdService(n))) out.push(`${n.name}: config`);
      const [s, x] = await Promise.all([wsrepState(n.name), programStatus(n.name, 'xinetd')]);
      if (!healthy(s)) out.push(`${n.name}: ${s ? `${s.status}/${s.state}/size ${s.size}` : 'mariadb not answering'}`);
      if (x.state !== 'RUNNING') out.push(`${n.name}: xinetd ${x.state}`);
      else if ((await httpStatus(primaryAddress(n), contract().galera.clustercheckPort)) !== 200) out.push(`${n.name}: clustercheck`);
    }),
  );
  if (!out.length && !(await probeUserWorks())) out.push('probe user');
  return out;
}

function grastate(n: string): { seqno: number; safe: boolean } | undefined {
  const f = join(dataDir(n), 'grastate.dat');
  if (!existsSync(f)) return undefined;
  const text = readFileSync(f, 'utf8');
  return { seqno: Number(/seqno:\s*(-?\d+)/.exec(text)?.[1] ?? -1), safe: /safe_to_bootstrap:\s*1/.test(text) };
}

/**
 * No Primary component anywhere: start one. A fresh lab initialises ctl1's
 * datadir and bootstraps there (the others join with an empty datadir, full
 * rsync SST). After a full outage the node Galera marked safe_to_bootstrap, else
 * the one with the highest seqno, bootstraps.
 */
async function bootstrap(ctx: StepContext): Promise<string> {
  const log = ctx.logFile;
  const states = controllers.map((n) => ({ n: n.name, g: grastate(n.name) }));
  let chosen = controllers[0]!.name;
  if (!existsSync(join(dataDir(chosen), 'mysql')) && states.every((s) => !s.g)) {
    await run(['mariadb-install-db', `--defaults-file=${myCnfPath(chosen)}`, '--user=mysql', '--skip-test-db'], { log });
  } else {
    const safe = states.find((s) => s.g?.safe);
    const best = [...states].filter((s) => s.g).sort((a, b) => b.g!.seqno - a.g!.seqno)[0];
    chosen = safe?.n ?? best?.n ?? chosen;
    const f = join(dataDir(chosen), 'grastate.dat');
    if (existsSync(f) && !grastate(chosen)!.safe) {
      ctx.progress(`galera: no node is safe_to_bootstrap; forcing ${chosen} (highest seqno)`);
      writeFileSync(f, readFileSync(f, 'utf8').replace(/safe_to_bootstrap:\s*0/, 'safe_to_bootstrap: 1'));
    }
  }
  // Every node must be down before a new cluster starts, or a stale non-Primary
  // one would stay split from it.
  for (const n of controllers) if (n.name !== chosen) await stopProgram(n.name, mariadbProgram(n.name).name, { log }).catch(() => undefined);
  await stopProgram(chosen, mariadbProgram(chosen).name, { log }).catch(() => undefined);
  writeFileSync(bootstrapFlag(chosen), 'bootstrap a new Galera cluster at the next start\n');
  if (!(await addProgram(chosen, mariadbProgram(chosen), { log }))) await startProgram(chosen, mariadbProgram(chosen).name, { log });
  const ms = await waitFor(`${chosen} to bootstrap (Synced, Primary)`, async () => healthy(await wsrepState(chosen), 1), 60_000);
  ctx.progress(`galera: ${chosen} bootstrapped a new cluster (${(ms / 1000).toFixed(1)} s)`);
  return chosen;
}

async function apply(ctx: StepContext): Promise<void> {
  const log = ctx.logFile;
  ensureDir(BIN, { mode: 0o755 });
  writeIfChanged(WRAPPER, wrapperScript, { mode: 0o755 });
  writeIfChanged(CLUSTERCHECK, clustercheckScript, { mode: 0o755 });
  const changed = new Map<string, boolean>();
  for (const n of controllers) {
    ensureDir(mysqlDir(n.name), { mode: 0o750, owner: 'mysql' });
    ensureDir(dataDir(n.name), { mode: 0o750, owner: 'mysql' });
    // mariadbd writes its error log as mysql; the path is fixed by lab.yaml.
    ensureFile(serviceInstance('galera', n.name).log, { owner: 'mysql', mode: 0o640 });
    changed.set(n.name, writeIfChanged(myCnfPath(n.name), myCnf(n)));
    writeIfChanged(xinetdPath(n.name), xinetdService(n));
  }

  const states = await Promise.all(controllers.map((n) => wsrepState(n.name)));
  const anyPrimary = states.some((s) => s?.status === 'Primary');
  const bootstrapped = anyPrimary ? undefined : await bootstrap(ctx);

  // Join (or restart after a config change) one node at a time: two SSTs from
  // the same donor at once make the second joiner wait and retry.
  for (const n of controllers) {
    if (n.name === bootstrapped) continue;
    const program = mariadbProgram(n.name);
    const before = await wsrepState(n.name);
    const inCluster = before?.status === 'Primary' && before.state === 'Synced';
    if (inCluster && !changed.get(n.name)) continue;
    const t0 = Date.now();
    if (inCluster) await stopProgram(n.name, program.name, { log });
    if (!(await addProgram(n.name, program, { log })) || inCluster) await startProgram(n.name, program.name, { log });
    await waitFor(`${n.name} to join Galera (Synced)`, async () => {
      const s = await wsrepState(n.name);
      return s?.status === 'Primary' && s.state === 'Synced';
    }, 180_000);
    ctx.progress(`galera: ${n.name} ${inCluster ? 'restarted with new config' : 'joined'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  await waitFor('Galera cluster size 3 on every node', async () => (await Promise.all(controllers.map((n) => wsrepState(n.name)))).every((s) => healthy(s)), 60_000);

  for (const n of controllers) if (!(await addProgram(n.name, xinetdProgram(n.name), { log }))) await startProgram(n.name, 'xinetd', { log });

  const { probeUser, probeDatabase } = contract().galera;
  const pw = ensureSecret(PROBE_SECRET);
  await sql(
    controllers[0]!.name,
    `CREATE DATABASE IF NOT EXISTS \`${probeDatabase}\`;
CREATE USER IF NOT EXISTS '${probeUser.username}'@'198.18.%' IDENTIFIED BY '${pw}';
ALTER USER '${probeUser.username}'@'198.18.%' IDENTIFIED BY '${pw}';
GRANT ALL PRIVILEGES ON \`${probeDatabase}\`.* TO '${probeUser.username}'@'198.18.%';`,
    log,
  );
  await waitFor('clustercheck HTTP 200 on every controller', async () => {
    const codes = await Promise.all(controllers.map((n) => httpStatus(primaryAddress(n), contract().galera.clustercheckPort)));
    return codes.every((c) => c === 200);
  }, 20_000);
  await waitFor('probe user login over TCP', probeUserWorks, 20_000);
  ctx.progress(`galera: 3 nodes Synced/Primary, clustercheck 200, probe user ${probeUser.username}@198.18.% ready`);
}

async function status(): Promise<string[]> {
  return Promise.all(
    controllers.map(async (n) => {
      const s = await wsrepState(n.name);
      return `galera ${n.name}: ${s ? `size ${s.size}, ${s.status}, ${s.state}, ready ${s.ready}` : 'not answering'}`;
    }),
  );
}

export const galeraStep: LabStep = {
  name: 'galera',
  async check(ctx) {
    const g = await gaps();
    if (g.length) ctx.progress(`galera: ${g.slice(0, 6).join(', ')}`);
    return g.length === 0;
  },
  apply,
  // Processes go with the nodes' supervisord; data with the node directories.
  async teardown() {},
  status,
};
