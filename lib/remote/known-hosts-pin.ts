// Writing a server's keys into an OpenSSH known_hosts file, as careful
// operators do after reading them out of band: the entries naming the server
// exactly are replaced (a recreated server has a new key; the old one must not
// vouch for it), every other line stays as written, and the file is replaced
// atomically (temp file in the same directory, then rename) so that ssh, or a
// harness run reading it meanwhile, sees the old file or the new one, never half.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostsMatch } from './known-hosts.ts';

export interface PinnedKey {
  type: string;
  base64: string;
}

export interface PinOutcome {
  /** The file did not exist and was created. */
  created: boolean;
  /** Entries for the name that were dropped (a line naming other hosts too keeps them). */
  replaced: number;
}

/** Puts exactly `keys` on record for `name` (`address` or `[address]:port`, see knownHostsName). */
export function pinKnownHosts(file: string, name: string, keys: readonly PinnedKey[]): PinOutcome {
  const { text, mode } = readExisting(file);
  let replaced = 0;
  const kept: string[] = [];
  const lines = text === undefined ? [] : text.split('\n');
  // A file ending in a newline splits into a last empty string: not a line of its own.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const rewritten = withoutName(line, name);
    if (rewritten !== line) replaced++;
    if (rewritten !== null) kept.push(rewritten);
  }
  const added = keys.map((k) => `${name} ${k.type} ${k.base64}`);
  writeAtomically(file, `${[...kept, ...added].join('\n')}\n`, mode);
  return { created: text === undefined, replaced };
}

/**
 * The line without its entry for `name`: unchanged when it does not name it,
 * null when it named only it. Markers (@revoked, @cert-authority), wildcards
 * and negations are left alone: they are an operator's policy, not a pin.
 */
function withoutName(line: string, name: string): string | null {
  const m = /^(\s*)(\S+)(\s+\S+\s+\S+.*)$/.exec(line);
  if (!m || m[2]!.startsWith('#') || m[2]!.startsWith('@')) return line;
  const [, indent, hosts, rest] = m as unknown as [string, string, string, string];
  if (hosts.startsWith('|1|')) return hostsMatch(hosts, name) ? null : line;
  const patterns = hosts.split(',');
  const others = patterns.filter((p) => p.toLowerCase() !== name.toLowerCase());
  if (others.length === patterns.length) return line;
  return others.length ? `${indent}${others.join(',')}${rest}` : null;
}

function readExisting(file: string): { text?: string; mode: number } {
  try {
    return { text: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // ssh creates known_hosts 0644: public keys, readable by whoever runs ssh as another user.
    return { mode: 0o644 };
  }
}

function writeAtomically(file: string, content: string, mode: number): void {
  const temp = join(dirname(file), `.${basename(file)}.trove-ha-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      // openSync's mode is cut by the umask; the pin keeps the file's own.
      fchmodSync(fd, mode);
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never written: nothing left behind
    }
    throw error;
  }
}
