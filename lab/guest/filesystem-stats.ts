// trove/guestagent/dbaas.py get_filesystem_volume_stats: statvfs of the data
// directory; total/used in GB (utils.to_gb), free in bytes.
import { statfs } from 'node:fs/promises';
import { builtin } from './oslo/failure.ts';
import { pyFloat, type PyFloat } from './oslo/py-json.ts';

export interface FilesystemStats {
  block_size: number;
  total_blocks: number;
  free_blocks: number;
  total: PyFloat;
  free: number;
  used: PyFloat;
}

/** utils.to_gb: 0.0 for 0, else max(round(GiB, 2), 0.01). */
export function toGb(bytes: number): number {
  if (bytes === 0) return 0;
  return Math.max(Number((bytes / 1024 ** 3).toFixed(2)), 0.01);
}

export async function filesystemStats(path: string): Promise<FilesystemStats> {
  let s;
  try {
    s = await statfs(path);
  } catch {
    throw builtin('RuntimeError', `Filesystem not found (${path})`);
  }
  const total = s.blocks * s.bsize;
  const free = s.bfree * s.bsize;
  return { block_size: s.bsize, total_blocks: s.blocks, free_blocks: s.bfree, total: pyFloat(toGb(total)), free, used: pyFloat(toGb(total - free)) };
}

/** Bytes allocated under `path` (du -s --block-size=1: st_blocks * 512, hard links once). */
export async function allocatedBytes(path: string): Promise<number> {
  const { lstat, readdir } = await import('node:fs/promises');
  const seen = new Set<string>();
  const walk = async (p: string): Promise<number> => {
    let st;
    try {
      st = await lstat(p, { bigint: false });
    } catch {
      return 0; // vanished while walking (a temporary file of the server)
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return 0;
    seen.add(id);
    let total = st.blocks * 512;
    if (st.isDirectory()) for (const e of await readdir(p).catch(() => [] as string[])) total += await walk(`${p}/${e}`);
    return total;
  };
  return walk(path);
}

/**
 * The data volume's used GB as Trove's create_backup reports it (the backup
 * row's size, which trove-api compares with the flavor's disk on restore). A
 * lab VM has no volume of its own: its mount point is a directory on the
 * host's filesystem, whose statvfs would count the whole host; so the mount
 * point's own allocation is used.
 */
export async function volumeUsedGb(mountPoint: string): Promise<PyFloat> {
  return pyFloat(toGb(await allocatedBytes(mountPoint)));
}
