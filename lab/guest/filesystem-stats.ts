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
