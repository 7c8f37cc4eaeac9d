// Runs the bootcmd of a Trove cloud-init document as a guest would, in a
// private mount namespace: /etc/hosts is a temporary file bind-mounted over the
// real one (gone with the process), and `hostname -I` answers the addresses
// the test gives. Returns the /etc/hosts the script leaves.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export function runBootcmd(cloudConfig: string, addresses: string[], hosts: string): { hosts: string; code: number | null; output: string } {
  const doc = parse(cloudConfig) as { bootcmd: string[][] };
  const [shell, flag, script] = doc.bootcmd[0]!;
  if (shell !== 'bash' || flag !== '-c' || !script) throw new Error(`unexpected bootcmd: ${JSON.stringify(doc.bootcmd[0])}`);
  const dir = mkdtempSync(join(tmpdir(), 'cloudinit-'));
  try {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'hostname'), `#!/bin/sh\n[ "$1" = -I ] || exit 2\necho "${addresses.join(' ')} "\n`);
    chmodSync(join(dir, 'bin', 'hostname'), 0o755);
    writeFileSync(join(dir, 'hosts'), hosts);
    const r = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/hosts && PATH="$2:$PATH" exec bash -c "$3"', 'sh', join(dir, 'hosts'), join(dir, 'bin'), script],
      { encoding: 'utf8', timeout: 20_000 },
    );
    return { hosts: readFileSync(join(dir, 'hosts'), 'utf8'), code: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
