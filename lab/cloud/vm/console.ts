// A micro-VM's "serial console": its init.log (every boot step, every user
// script's output), plus, for a VM that runs sshd, the block cloud-init's
// keys-to-console module prints at the end of its final stage, which is how
// a client learns a new server's host keys out of band (`openstack console
// log show`, Nova's os-getConsoleOutput).
//
// cloud-init's helper (tools/write-ssh-key-fingerprints, since cloud-init
// 21.2) sends the fingerprints through `logger -p user.info -t cloud-init -s`,
// whose stderr copy is `<14>Mmm dd HH:MM:SS cloud-init: <line>` (14 = user.info;
// before 21.2 the tag was `ec2`), then prints the public keys bare:
//   <14>Mar  5 10:00:00 cloud-init: #############################################################
//   <14>Mar  5 10:00:00 cloud-init: -----BEGIN SSH HOST KEY FINGERPRINTS-----
//   <14>Mar  5 10:00:00 cloud-init: 256 SHA256:… root@ha1 (ED25519)
//   <14>Mar  5 10:00:00 cloud-init: -----END SSH HOST KEY FINGERPRINTS-----
//   <14>Mar  5 10:00:00 cloud-init: #############################################################
//   -----BEGIN SSH HOST KEY KEYS-----
//   ssh-ed25519 AAAA… root@ha1
//   -----END SSH HOST KEY KEYS-----
// ssh-dss keys are left out of the key block (cloud-init's default
// ssh_key_console_blacklist); the lab's VMs only have ed25519 keys anyway.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

export interface HostKey {
  /** The .pub file's line: `<type> <base64> <comment>`. */
  publicKey: string;
  /** `ssh-keygen -l -f` of it: `<bits> SHA256:<hash> <comment> (<TYPE>)`. */
  fingerprint: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 timestamp as logger writes it (local time, day padded with a space): `Mar  5 10:00:00`. */
export function syslogStamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The lines keys-to-console prints for these keys (none: nothing, as the helper prints no empty headers). */
export function keysToConsole(keys: readonly HostKey[], when: Date): string[] {
  if (!keys.length) return [];
  const log = (s: string) => `<14>${syslogStamp(when)} cloud-init: ${s}`;
  const bar = '#'.repeat(61);
  const shown = keys.filter((k) => k.publicKey.split(/\s+/)[0] !== 'ssh-dss');
  return [
    log(bar),
    log('-----BEGIN SSH HOST KEY FINGERPRINTS-----'),
    ...keys.map((k) => log(k.fingerprint)),
    log('-----END SSH HOST KEY FINGERPRINTS-----'),
    log(bar),
    ...(shown.length ? ['-----BEGIN SSH HOST KEY KEYS-----', ...shown.map((k) => k.publicKey), '-----END SSH HOST KEY KEYS-----'] : []),
  ];
}

/** The VM's host keys: <etc ssh dir>/ssh_host_*key.pub in glob order, fingerprinted by ssh-keygen as the helper does. */
export function readHostKeys(sshDir: string): HostKey[] {
  if (!existsSync(sshDir)) return [];
  return readdirSync(sshDir)
    .filter((f) => /^ssh_host_.*key\.pub$/.test(f))
    .sort()
    .map((f) => {
      const file = join(sshDir, f);
      return {
        publicKey: readFileSync(file, 'utf8').trim(),
        fingerprint: execFileSync('ssh-keygen', ['-l', '-f', file], { encoding: 'utf8' }).trim(),
      };
    });
}

/** Nova's libvirt driver returns at most the last 100 KiB of a console log (MAX_CONSOLE_BYTES). */
export const MAX_CONSOLE_BYTES = 100 * 1024;

/** The last MAX_CONSOLE_BYTES of a log file; empty when there is none yet. */
export function readConsoleLog(file: string, max = MAX_CONSOLE_BYTES): Buffer {
  if (!existsSync(file)) return Buffer.alloc(0);
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, max);
    const buf = Buffer.alloc(n);
    const read = readSync(fd, buf, 0, n, size - n);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
