// oslo.messaging TransportURL.parse (transport.py) for rabbit:// URLs:
// rabbit://user:pass@host1:port1,user:pass@host2:port2/vhost?query
// One deliberate extension, because the lab hands the guest one name with
// several ports (proxy.polex.io:5670,5671,5672): an entry that is only a port
// reuses the previous host's name and credentials. oslo would read "5671" as a
// host name, which can never be meant.
export interface AmqpHost {
  hostname: string;
  port: number;
  username: string;
  password: string;
}

export interface TransportUrl {
  hosts: AmqpHost[];
  /** '' in the URL path means the broker's default vhost '/'. */
  vhost: string;
  query: Record<string, string>;
}

export class InvalidTransportUrl extends Error {}

const DEFAULT_PORT = 5672;

export function parseTransportUrl(url: string): TransportUrl {
  const m = /^([a-z0-9+.-]+):\/\/([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) throw new InvalidTransportUrl('transport_url is not <scheme>://<hosts>/<vhost> (value not shown: it holds a password)');
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'rabbit' && scheme !== 'kombu+rabbit' && scheme !== 'amqp') {
    throw new InvalidTransportUrl(`transport_url scheme ${scheme} is not supported (only rabbit)`);
  }
  const hosts: AmqpHost[] = [];
  for (const entry of m[2]!.split(',')) {
    if (!entry) continue;
    let username = '';
    let password = '';
    let hostPart = entry;
    const at = entry.lastIndexOf('@');
    if (at >= 0) {
      const cred = entry.slice(0, at);
      hostPart = entry.slice(at + 1);
      const colon = cred.indexOf(':');
      username = decodeURIComponent(colon >= 0 ? cred.slice(0, colon) : cred);
      password = colon >= 0 ? decodeURIComponent(cred.slice(colon + 1)) : '';
    }
    const prev = hosts[hosts.length - 1];
    if (/^\d+$/.test(hostPart) && prev && at < 0) {
      hosts.push({ ...prev, port: Number(hostPart) });
      continue;
    }
    let hostname = hostPart;
    let port = DEFAULT_PORT;
    if (hostPart.startsWith('[')) {
      const end = hostPart.indexOf(']');
      if (end < 0) throw new InvalidTransportUrl('invalid IPv6 host in transport_url');
      hostname = hostPart.slice(1, end);
      const rest = hostPart.slice(end + 1);
      if (rest.startsWith(':') && rest.length > 1) port = Number(rest.slice(1));
    } else if (hostPart.includes(':')) {
      const i = hostPart.indexOf(':');
      hostname = hostPart.slice(0, i);
      if (hostPart.length > i + 1) port = Number(hostPart.slice(i + 1));
    }
    if (!hostname || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new InvalidTransportUrl(`invalid host entry #${hosts.length + 1} in transport_url`);
    }
    if (at < 0 && prev) {
      // oslo warns on mixed credentials and kombu would log in as nobody; inherit instead.
      username = prev.username;
      password = prev.password;
    }
    hosts.push({ hostname, port, username, password });
  }
  if (hosts.length === 0) throw new InvalidTransportUrl('transport_url names no host');
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(m[4] ?? '')) query[k] = query[k] ? `${query[k]},${v}` : v;
  const path = m[3] ?? '';
  return { hosts, vhost: path.startsWith('/') ? decodeURIComponent(path.slice(1)) : '', query };
}

/** host:port list for logs; never credentials. */
export const describeHosts = (hosts: AmqpHost[]): string => hosts.map((h) => `${h.hostname}:${h.port}`).join(',');
