// `lab down`'s VM cleanup (destroyAllVms, lab/cloud/vm/namespace-driver.ts)
// without a lab cloud: a VM directory with a live process in its namespace, and
// an orphan namespace + /etc/netns entry with no directory (a crash mid-boot).
// PRIVATE names only (prefix vmt-, a temp VM dir): the lab's own namespaces are
// never touched. Whatever this test starts it stops by PID.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, stopPids } from '../../lab/procs.ts';
import { destroyAllVms } from '../../lab/cloud/vm/namespace-driver.ts';

const PREFIX = 'vmt-';
const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
const namespaces = () => ip('netns', 'list').stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

describe('lab VM cleanup without the lab cloud (lab down)', function () {
  this.timeout(60_000);
  const a = randomUUID();
  const b = randomUUID();
  let dir = '';
  const pids: number[] = [];

  before(() => {
    assert.equal(process.getuid?.(), 0, 'needs root (network namespaces)');
    dir = mkdtempSync(join(tmpdir(), 'lab-vm-cleanup-'));
  });

  after(async () => {
    await stopPids(pids.filter((p) => isAlive(p)), 2_000);
    for (const id of [a, b]) {
      if (namespaces().includes(`${PREFIX}${id}`)) ip('netns', 'del', `${PREFIX}${id}`);
      rmSync(`/etc/netns/${PREFIX}${id}`, { recursive: true, force: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('removes a VM on disk (its processes by PID) and an orphan namespace with its /etc/netns entry', async () => {
    const vms = join(dir, 'vms');
    for (const id of [a, b]) {
      assert.equal(ip('netns', 'add', `${PREFIX}${id}`).status, 0);
      const p = spawn('ip', ['netns', 'exec', `${PREFIX}${id}`, 'sleep', '300'], { stdio: 'ignore', detached: true });
      p.unref();
      pids.push(p.pid!);
      mkdirSync(`/etc/netns/${PREFIX}${id}`, { recursive: true });
      writeFileSync(`/etc/netns/${PREFIX}${id}/hosts`, '127.0.0.1 localhost\n');
    }
    mkdirSync(join(vms, a, 'run'), { recursive: true });
    writeFileSync(join(vms, a, 'vm.json'), JSON.stringify({ version: 1, serverId: a, ns: `${PREFIX}${a}`, legs: [], switchNs: 'vmt-none', phase: 'running' }));
    // A namespace that is not a VM's (no uuid) stays.
    const other = `${PREFIX}keep-${process.pid}`;
    assert.equal(ip('netns', 'add', other).status, 0);
    try {
      const lines = await destroyAllVms({ vmsDir: vms, namespacePrefix: PREFIX, switchNamespace: 'vmt-none', hostNamespaces: 'self' });
      assert.ok(lines.some((l) => l.includes(a) && /destroyed/.test(l)), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes(`${PREFIX}${b}`)), lines.join('\n'));
      for (const id of [a, b]) {
        assert.ok(!namespaces().includes(`${PREFIX}${id}`), `namespace ${PREFIX}${id} left`);
        assert.ok(!existsSync(`/etc/netns/${PREFIX}${id}`), `/etc/netns/${PREFIX}${id} left`);
      }
      assert.ok(!existsSync(vms), 'the VM directory is left');
      for (const p of pids) assert.ok(!isAlive(p), `process ${p} still runs`);
      assert.ok(namespaces().includes(other), 'a namespace that is no VM was removed');
    } finally {
      ip('netns', 'del', other);
    }
  });
});
