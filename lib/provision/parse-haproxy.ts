// Reads the proxies of a haproxy.cfg: `listen` sections (also the old
// `listen name addr:port` form the documents use) and frontend/backend pairs
// are reduced to what the lint and the equivalence tests compare: bind
// addresses, balance, and servers with their address, port and flags.
export interface ParsedServer {
  name: string;
  address: string;
  port: number;
  check: boolean;
  backup: boolean;
  /** `addr`: where the health check goes instead of `address` (a relay carries the data). */
  checkAddress?: string;
  /** `port`: the port the health check uses instead of `port`. */
  checkPort?: number;
}

export interface ParsedProxy {
  kind: 'listen' | 'frontend' | 'backend';
  name: string;
  binds: string[];
  balance?: string;
  mode?: string;
  servers: ParsedServer[];
}

export interface ParsedHaproxy {
  proxies: ParsedProxy[];
  statsSocket?: string;
}

const SECTION = /^(global|defaults|listen|frontend|backend|peers|resolvers|userlist|program|cache|mailers|ring|http-errors)\b/;

export function parseHaproxyConfig(text: string): ParsedHaproxy {
  const out: ParsedHaproxy = { proxies: [] };
  let current: ParsedProxy | undefined;
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    if (SECTION.test(line) && !/^\s/.test(raw)) {
      section = words[0]!;
      current = undefined;
      if (section === 'listen' || section === 'frontend' || section === 'backend') {
        current = { kind: section, name: words[1] ?? '', binds: words[2] ? [words[2]] : [], servers: [] };
        out.proxies.push(current);
      }
      continue;
    }
    if (section === 'global' && words[0] === 'stats' && words[1] === 'socket') out.statsSocket = words[2];
    if (!current) continue;
    if (words[0] === 'bind') current.binds.push(words[1]!);
    else if (words[0] === 'balance') current.balance = words[1];
    else if (words[0] === 'mode') current.mode = words[1];
    else if (words[0] === 'server') {
      const [address, port] = splitHostPort(words[2] ?? '');
      // Server options come after the address; `addr` and `port` take one argument each.
      const option = (key: string) => {
        const i = words.indexOf(key, 3);
        return i > 0 ? words[i + 1] : undefined;
      };
      const checkAddress = option('addr');
      const checkPort = option('port');
      current.servers.push({
        name: words[1]!,
        address,
        port,
        check: words.includes('check'),
        backup: words.includes('backup'),
        ...(checkAddress !== undefined ? { checkAddress } : {}),
        ...(checkPort !== undefined ? { checkPort: Number(checkPort) } : {}),
      });
    }
  }
  return out;
}

function splitHostPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return i < 0 ? [s, 0] : [s.slice(0, i), Number(s.slice(i + 1))];
}
