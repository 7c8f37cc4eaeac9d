// Minimal XML-RPC client for a node's supervisord, over its unix socket. The lab
// builder drives programs through it instead of spawning `supervisorctl` (a
// Python start-up, 0.2-0.5 s on 2 busy cores) for every status poll; the
// operator-facing interface on the nodes stays `supervisorctl`.
import { request } from 'node:http';

export class RpcFault extends Error {
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(`supervisord fault ${code}: ${faultString}`);
  }
}
/** supervisor.xmlrpc.Faults */
export const Faults = { BAD_NAME: 10, NOT_RUNNING: 70, ALREADY_STARTED: 60, ALREADY_ADDED: 90, STILL_RUNNING: 91, SPAWN_ERROR: 50, ABNORMAL_TERMINATION: 40 } as const;

type Value = string | number | boolean | Value[] | { [k: string]: Value };

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

function encode(v: string | boolean): string {
  return typeof v === 'boolean' ? `<value><boolean>${v ? 1 : 0}</boolean></value>` : `<value><string>${escapeXml(v)}</string></value>`;
}

/** Parse the XML-RPC value starting at xml[pos] ("<value>..."); returns [value, next position]. */
function parseValue(xml: string, pos: number): [Value, number] {
  const re = /<\s*(\/?)([a-zA-Z0-9.]+)\s*(\/?)>/g;
  re.lastIndex = pos;
  const open = re.exec(xml)!; // <value>
  let m = re.exec(xml)!;
  if (m[1] === '/' && m[2] === 'value') return [unescapeXml(xml.slice(open.index + open[0].length, m.index)), re.lastIndex]; // bare string
  const type = m[2]!;
  if (m[3] === '/') {
    const close = re.exec(xml)!; // </value>
    return [type === 'string' ? '' : type === 'array' ? [] : type === 'struct' ? {} : '', close.index + close[0].length];
  }
  if (type === 'array') {
    const out: Value[] = [];
    re.exec(xml); // <data> (or </array> when empty)
    let p = re.lastIndex;
    for (;;) {
      const next = /<\s*(\/?)(value|data|array)\s*\/?>/g;
      next.lastIndex = p;
      const t = next.exec(xml)!;
      if (t[1] === '/') break;
      const [v, after] = parseValue(xml, t.index);
      out.push(v);
      p = after;
    }
    const end = xml.indexOf('</value>', xml.indexOf('</array>', p));
    return [out, end + '</value>'.length];
  }
  if (type === 'struct') {
    const out: Record<string, Value> = {};
    let p = re.lastIndex;
    for (;;) {
      const next = /<\s*(\/?)(member|struct)\s*>/g;
      next.lastIndex = p;
      const t = next.exec(xml)!;
      if (t[1] === '/') break;
      const nameM = /<name>([\s\S]*?)<\/name>/g;
      nameM.lastIndex = t.index;
      const nm = nameM.exec(xml)!;
      const [v, after] = parseValue(xml, xml.indexOf('<value', nameM.lastIndex));
      out[unescapeXml(nm[1]!)] = v;
      p = xml.indexOf('</member>', after) + '</member>'.length;
    }
    const end = xml.indexOf('</value>', xml.indexOf('</struct>', p));
    return [out, end + '</value>'.length];
  }
  const close = xml.indexOf(`</${type}>`, m.index);
  const text = xml.slice(m.index + m[0].length, close);
  const end = xml.indexOf('</value>', close) + '</value>'.length;
  if (type === 'int' || type === 'i4' || type === 'double') return [Number(text), end];
  if (type === 'boolean') return [text.trim() === '1', end];
  return [unescapeXml(text), end];
}

export function supervisorRpc(socketPath: string, method: string, params: (string | boolean)[] = [], timeoutMs = 120_000): Promise<Value> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param>${encode(p)}</param>`).join('')}</params></methodCall>`;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/RPC2', method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) }, timeout: timeoutMs }, (res) => {
      let xml = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (xml += d));
      res.on('end', () => {
        try {
          const at = xml.indexOf('<value');
          if (at < 0) return reject(new Error(`supervisord ${method}: unexpected answer ${xml.slice(0, 200)}`));
          const [v] = parseValue(xml, at);
          if (xml.includes('<fault>')) {
            const f = v as { faultCode: number; faultString: string };
            return reject(new RpcFault(f.faultCode, f.faultString));
          }
          resolve(v);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`supervisord ${method}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
