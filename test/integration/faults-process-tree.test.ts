// The shell snippets behind freezeService and the keepalived crash, run for
// real on a process tree this test spawns (a parent that, like keepalived,
// respawns its child when it dies). Only our own processes are signalled.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { continueCommand, crashTreeCommand, parsePids, processTreeCommand, signalCommand } from '../../lib/faults/shell.ts';
import { LocalExecutor } from '../support/local-executor.ts';

const state = (pid: number): string => (existsSync(`/proc/${pid}/stat`) ? (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone') : 'gone');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A parent that restarts its `sleep` child whenever it exits, like keepalived's VRRP child. */
function respawningParent(): ChildProcess {
  return spawn('bash', ['-c', 'while true; do sleep 300 & wait $!; done'], { stdio: 'ignore' });
}

async function tree(local: LocalExecutor, pid: number, ours: Set<number>): Promise<number[]> {
  for (let i = 0; i < 50; i++) {
    const pids = parsePids((await local.exec('n', processTreeCommand(pid))).stdout);
    pids.forEach((p) => ours.add(p));
    if (pids.length >= 2) return pids;
    await sleep(20);
  }
  throw new Error('the child did not appear');
}

describe('process-tree faults on real processes', function () {
  this.timeout(20_000);
  const spawned: ChildProcess[] = [];
  // Every pid of every tree we made: killing only a parent would orphan its child.
  const ours = new Set<number>();
  after(() => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of ours) if (state(p) !== 'gone' && state(p) !== 'Z') process.kill(p, 'SIGKILL');
  });

  it('freeze stops parent and child; thaw continues them', async () => {
    const parent = respawningParent();
    spawned.push(parent);
    const local = new LocalExecutor();
    const pids = await tree(local, parent.pid!, ours);
    assert.equal(pids[0], parent.pid);
    await local.exec('n', signalCommand('STOP', pids));
    await sleep(50);
    assert.deepEqual(pids.map(state), pids.map(() => 'T'));
    await local.exec('n', continueCommand([...pids].reverse()));
    await sleep(50);
    assert.ok(pids.every((p) => state(p) !== 'T'), pids.map(state).join(','));
    for (const p of pids) process.kill(p, 'SIGKILL');
  });

  it('crash kills the whole tree without letting the parent respawn its child', async () => {
    const parent = respawningParent();
    spawned.push(parent);
    const exited = new Promise((r) => parent.once('exit', r));
    const local = new LocalExecutor();
    const before = await tree(local, parent.pid!, ours);
    await local.exec('n', crashTreeCommand(parent.pid!));
    await exited;
    await sleep(100);
    for (const p of before) assert.ok(['gone', 'Z'].includes(state(p) ?? 'gone'), `pid ${p} is ${state(p)}`);
    // Nothing was respawned under the dead parent.
    assert.deepEqual(parsePids((await local.exec('n', `pgrep -P ${parent.pid} || true`)).stdout), []);
  });
});
