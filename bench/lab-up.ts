// Benchmark: cold `lab up` on this machine. Tears the lab down if it is up,
// builds it from scratch, prints wall time per step and in total, times a
// second (idempotent) `lab up`, then sums the resident memory of every process
// in a lab namespace (ip netns pids + /proc/<pid>/status VmRSS) per daemon kind.
// RSS counts a page shared by N processes N times (the 15 Swift and 3 Keystone
// Python processes share libpython and most of their modules), so PSS, which
// splits shared pages among their users, is printed too: it is what the lab
// really takes from the machine.
// Targets: cold lab up <= 90 s, infra RSS <= 1.5 GiB.
// Usage (root): npx tsx bench/lab-up.ts [--down]   (--down: tear down afterwards)
import { readFileSync } from 'node:fs';
import { labDown, labStatus, labUp, type LabUpResult } from '../lab/index.ts';
import { SWITCH_NS, nodes } from '../lab/plan.ts';
import { netnsPids, listNetns } from '../lab/procs.ts';

const TARGET_UP_S = 90;
const TARGET_RSS_MIB = 1536;

function printSteps(title: string, r: LabUpResult): void {
  console.log(`\n${title}`);
  for (const s of r.steps) console.log(`  ${s.name.padEnd(14)} ${s.seconds.toFixed(1).padStart(6)} s  ${s.action}`);
  console.log(`  ${'total'.padEnd(14)} ${r.seconds.toFixed(1).padStart(6)} s`);
}

/** Which daemon a lab process belongs to, from its command line. */
function kind(pid: number): string {
  let cmd = '';
  let comm = '?';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'gone';
  }
  const rules: [RegExp, string][] = [
    [/beam\.smp|epmd|erl_child_setup|inet_gethost|rabbit/, 'rabbitmq'],
    [/mariadbd|mysqld|wsrep_sst|rsync/, 'galera (mariadbd)'],
    [/haproxy/, 'haproxy'],
    [/keepalived/, 'keepalived'],
    [/supervisord/, 'supervisord'],
    [/sshd/, 'sshd'],
    [/xinetd|clustercheck/, 'xinetd (clustercheck)'],
    [/trove-api/, 'trove-api'],
    [/trove-taskmanager/, 'trove-taskmanager'],
    [/trove-conductor/, 'trove-conductor'],
    [/lab\/cloud\/main\.ts|esbuild/, 'lab-cloud (node + esbuild)'],
    [/keystone|uwsgi/, 'keystone'],
    [/memcached/, 'memcached (swift)'],
    [/swift/, 'swift'],
    [/trove/, 'trove'],
  ];
  return rules.find(([re]) => re.test(cmd) || re.test(comm))?.[1] ?? comm;
}

function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function measureRss(): Promise<number> {
  const perKind = new Map<string, { n: number; kib: number; pss: number }>();
  for (const ns of [...nodes.map((n) => n.name), SWITCH_NS]) {
    for (const pid of await netnsPids(ns)) {
      const k = kind(pid);
      const e = perKind.get(k) ?? { n: 0, kib: 0, pss: 0 };
      e.n += 1;
      e.kib += rssKiB(pid);
      e.pss += pssKiB(pid);
      perKind.set(k, e);
    }
  }
  const total = [...perKind.values()].reduce((a, e) => a + e.kib, 0) / 1024;
  const totalPss = [...perKind.values()].reduce((a, e) => a + e.pss, 0) / 1024;
  console.log('\nMemory of every process in lab namespaces, per daemon kind (RSS sum / PSS sum)');
  for (const [k, e] of [...perKind.entries()].sort((a, b) => b[1].kib - a[1].kib)) {
    console.log(`  ${k.padEnd(24)} ${String(e.n).padStart(3)} proc  ${(e.kib / 1024).toFixed(1).padStart(8)} MiB RSS  ${(e.pss / 1024).toFixed(1).padStart(8)} MiB PSS`);
  }
  console.log(`  ${'total'.padEnd(24)}           ${total.toFixed(1).padStart(8)} MiB RSS  ${totalPss.toFixed(1).padStart(8)} MiB PSS  (target <= ${TARGET_RSS_MIB} MiB)`);
  return total;
}

const quiet = () => undefined;
const live = (line: string) => console.log(`  ${line}`);

if ((await listNetns()).some((ns) => ns === SWITCH_NS || nodes.some((n) => n.name === ns))) {
  const d = await labDown({ progress: quiet });
  console.log(`lab was up: lab down took ${d.seconds.toFixed(1)} s`);
}
console.log('cold lab up:');
const cold = await labUp({ progress: live });
printSteps('cold lab up, per step', cold);
const again = await labUp({ progress: quiet });
printSteps('second lab up (idempotent), per step', again);
const changed = again.steps.filter((s) => s.action !== 'nothing to do');
if (changed.length) console.log(`  NOT idempotent: ${changed.map((s) => s.name).join(', ')} applied again`);
// Measure a settled lab: wait until every step's check holds again (SST
// donors, rsync and CLI VMs of the start-up are gone by then).
const settleStart = Date.now();
let status = await labStatus({ progress: quiet });
while (!status.healthy && Date.now() - settleStart < 60_000) status = await labStatus({ progress: quiet });
const rss = await measureRss();
console.log(`\nlab status: ${status.healthy ? 'healthy' : `NOT healthy: ${status.problems.join('; ')}`}`);
console.log(`cold lab up ${cold.seconds.toFixed(1)} s (target <= ${TARGET_UP_S} s), RSS ${rss.toFixed(0)} MiB (target <= ${TARGET_RSS_MIB} MiB)`);
if (process.argv.includes('--down')) {
  const d = await labDown({ progress: quiet });
  console.log(`lab down took ${d.seconds.toFixed(1)} s`);
}
