// The SSH host keys a new server printed on its console. cloud-init's
// keys-to-console module (tools/write-ssh-key-fingerprints) ends the first
// boot with the public keys between two marker lines, one `<type> <base64>
// <comment>` per key:
//   -----BEGIN SSH HOST KEY KEYS-----
//   ssh-ed25519 AAAAC3Nz... root@ha1
//   -----END SSH HOST KEY KEYS-----
// Read through the authenticated compute API, that block is the operator's
// out-of-band channel to a key nobody knows yet. The fingerprints block above
// it is not used: it cannot be written to known_hosts.
import { sha256Fingerprint, keyBlobType } from '../remote/fingerprint.ts';

const BEGIN = '-----BEGIN SSH HOST KEY KEYS-----';
const END = '-----END SSH HOST KEY KEYS-----';

// Key types OpenSSH writes to /etc/ssh/ssh_host_*_key.pub (and security keys, for completeness).
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

export interface ConsoleHostKey {
  type: string;
  /** The key as known_hosts writes it. */
  base64: string;
  blob: Buffer;
  /** SHA256:... as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

export interface ConsoleHostKeys {
  keys: ConsoleHostKey[];
  /** Lines of the block that hold no whole key (a console cuts long lines): reported, never pinned. */
  unusable: string[];
}

/**
 * The keys of the last complete block in a console log, or null while there is
 * none (the boot has not got there, or the block is still being printed). The
 * last one wins: a server rebuilt on the same console prints a newer block.
 */
export function hostKeysFromConsole(output: string): ConsoleHostKeys | null {
  const lines = output.split('\n').map((l) => l.replace(/\r$/, ''));
  const end = findLast(lines, (l) => l.includes(END));
  if (end < 0) return null;
  const begin = findLast(lines.slice(0, end), (l) => l.includes(BEGIN));
  if (begin < 0) return null;
  const found: ConsoleHostKeys = { keys: [], unusable: [] };
  for (const line of lines.slice(begin + 1, end)) {
    if (!line.trim()) continue;
    const key = keyOf(line);
    if (key) found.keys.push(key);
    else found.unusable.push(describeUnusable(line));
  }
  return found;
}

/** `<type> <base64>` anywhere in the line: a console may put a timestamp or a syslog tag in front. */
function keyOf(line: string): ConsoleHostKey | null {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => KEY_TYPE.test(w));
  const type = words[at];
  const base64 = words[at + 1];
  if (at < 0 || !type || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  const blob = Buffer.from(base64, 'base64');
  if (keyBlobType(blob) !== type || !wellFormedBlob(blob)) return null;
  return { type, base64, blob, fingerprint: sha256Fingerprint(blob) };
}

/** A key blob is a sequence of length-prefixed strings that fills it exactly; a cut one does not. */
function wellFormedBlob(blob: Buffer): boolean {
  let at = 0;
  let fields = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return false;
    const length = blob.readUInt32BE(at);
    at += 4 + length;
    fields++;
  }
  return at === blob.length && fields >= 2;
}

function describeUnusable(line: string): string {
  const words = line.trim().split(/\s+/);
  const type = words.find((w) => KEY_TYPE.test(w));
  return type ? `a ${type} key cut short or damaged on the console` : `a line that is no key (${words[0]!.slice(0, 40)})`;
}

function findLast<T>(xs: T[], test: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (test(xs[i]!)) return i;
  return -1;
}
