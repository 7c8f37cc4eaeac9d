// The real `haproxy -c` and `keepalived -t` on a rendered config, as the
// provisioner runs them on a node. keepalived refuses a config whose
// interfaces do not exist, so it runs in a fresh network namespace
// (unshare -n, no addresses, gone with the process) holding veth eth0..ethN (this kernel has no dummy links).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CheckResult {
  code: number | null;
  output: string;
}

function withFile<T>(name: string, text: string, f: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'config-check-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, text);
    return f(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function haproxyCheck(text: string): CheckResult {
  return withFile('haproxy.cfg', text, (path) => {
    const r = spawnSync('/usr/sbin/haproxy', ['-c', '-f', path], { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  });
}

export function keepalivedCheck(text: string, interfaces: string[]): CheckResult {
  return withFile('keepalived.conf', text, (path) => {
    const links = interfaces.map((i) => `ip link add ${i} type veth peer name peer-${i} && ip link set ${i} up`).join(' && ');
    const r = spawnSync('unshare', ['--net', 'sh', '-c', `${links} && exec /usr/sbin/keepalived -t -f "$0"`, path], { encoding: 'utf8', timeout: 20_000 });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  });
}
