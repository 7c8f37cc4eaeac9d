// One lab command at a time: `lab up` and `lab down` racing each other would
// start and kill the same daemons. A pid lock file, taken over when stale.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labPaths } from './paths.ts';
import { isAlive } from './procs.ts';

const LOCK = join(labPaths.root, 'lab.lock');

export async function withLabLock<T>(what: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(labPaths.root, { recursive: true });
  for (;;) {
    try {
      writeFileSync(LOCK, `${process.pid} ${what}\n`, { flag: 'wx' });
      break;
    } catch {
      const [pid, ...rest] = readFileSync(LOCK, 'utf8').trim().split(' ');
      if (isAlive(Number(pid)) && Number(pid) !== process.pid) throw new Error(`another lab command is running (pid ${pid}: ${rest.join(' ')}); lock ${LOCK}`);
      rmSync(LOCK, { force: true }); // stale: its owner is gone
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}
