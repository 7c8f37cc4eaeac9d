// Reading OpenSSH known_hosts files: plain and hashed host patterns, wildcards,
// negation, and the @revoked marker. Certificates (@cert-authority) are not
// supported; such lines are ignored, so a site that relies on them gets a
// clear "not in known_hosts" refusal rather than a silent accept.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostLine {
  /** 1-based line number, for messages. */
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The comma-separated host patterns, as written. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const entries: KnownHostLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === '' || fields[0]?.startsWith('#')) return;
    let marker: KnownHostLine['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    // Malformed lines are skipped, as ssh does: they can never vouch for a key.
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) return;
    entries.push({ line: index + 1, marker, hosts, keyType, key: Buffer.from(key, 'base64') });
  });
  return entries;
}

/** The name ssh looks a server up by: the bare address on port 22, `[address]:port` elsewhere. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Whether a line's host patterns select `name`; a matching negated pattern (!pat) rules the line out. */
export function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|salt|hash` where hash = HMAC-SHA1(key = salt, data = name), both base64 (ssh-keygen -H). */
function hashedMatches(hosts: string, name: string): boolean {
  const [, , salt, hash] = hosts.split('|');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** The lines that speak about a server: keys that vouch for it and keys revoked for it. */
export function linesFor(entries: readonly KnownHostLine[], address: string, port: number) {
  const name = knownHostsName(address, port);
  const about = entries.filter((e) => e.marker !== 'cert-authority' && hostsMatch(e.hosts, name));
  return {
    name,
    trusted: about.filter((e) => e.marker === null),
    revoked: about.filter((e) => e.marker === 'revoked'),
  };
}
