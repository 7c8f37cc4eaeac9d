// Reads the vrrp_instance blocks of a keepalived.conf: name, state,
// interface, virtual_router_id, priority and VIPs, which is what the lint
// judges (distinct router ids per segment, one MASTER per instance).
export interface ParsedVrrpInstance {
  name: string;
  state?: string;
  interface?: string;
  virtualRouterId?: number;
  priority?: number;
  advertInt?: number;
  /** "198.18.10.5/24" as written (prefix optional), without the `dev ...` part. */
  vips: string[];
}

export interface ParsedKeepalived {
  routerId?: string;
  instances: ParsedVrrpInstance[];
}

interface Block {
  head: string[];
  lines: string[][];
  children: Block[];
}

/** keepalived's syntax: lines of words, `{` opens a block after its head words, `}` closes it. */
function parseBlocks(text: string): Block {
  const root: Block = { head: [], lines: [], children: [] };
  const stack = [root];
  const tokens = text
    .split('\n')
    .map((l) => l.replace(/[#!].*$/, ''))
    .flatMap((l) => [...l.replace(/([{}])/g, ' $1 ').trim().split(/\s+/).filter(Boolean), '\n']);
  let words: string[] = [];
  for (const t of tokens) {
    const top = stack[stack.length - 1]!;
    if (t === '{') {
      const b: Block = { head: words, lines: [], children: [] };
      top.children.push(b);
      stack.push(b);
      words = [];
    } else if (t === '}') {
      if (words.length) top.lines.push(words);
      words = [];
      if (stack.length > 1) stack.pop();
    } else if (t === '\n') {
      if (words.length) top.lines.push(words);
      words = [];
    } else {
      words.push(t);
    }
  }
  return root;
}

export function parseKeepalivedConfig(text: string): ParsedKeepalived {
  const root = parseBlocks(text);
  const out: ParsedKeepalived = { instances: [] };
  for (const b of root.children) {
    if (b.head[0] === 'global_defs') {
      const r = b.lines.find((l) => l[0] === 'router_id');
      if (r) out.routerId = r[1];
    }
    if (b.head[0] !== 'vrrp_instance') continue;
    const get = (k: string) => b.lines.find((l) => l[0] === k)?.[1];
    const num = (k: string) => (get(k) === undefined ? undefined : Number(get(k)));
    const vipBlock = b.children.find((c) => c.head[0] === 'virtual_ipaddress');
    out.instances.push({
      name: b.head[1] ?? '',
      ...(get('state') ? { state: get('state')!.toUpperCase() } : {}),
      ...(get('interface') ? { interface: get('interface') } : {}),
      ...(num('virtual_router_id') !== undefined ? { virtualRouterId: num('virtual_router_id') } : {}),
      ...(num('priority') !== undefined ? { priority: num('priority') } : {}),
      ...(num('advert_int') !== undefined ? { advertInt: num('advert_int') } : {}),
      vips: (vipBlock?.lines ?? []).map((l) => l[0]!),
    });
  }
  return out;
}
