// Byte-for-byte Python `json.dumps(obj)` (what oslo_serialization.jsonutils.dumps
// emits with its defaults): ", " and ": " separators, ensure_ascii escapes, and
// Python's float repr. Why bother: the secure-RPC payloads are AES over these
// exact bytes, so matching them lets fixture ciphertexts made by the real Trove
// code be reproduced bit for bit, and the captured oslo messages compare as text.

/** A number Python must see as a float even when it is integral (10 -> "10.0"). */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

export const pyFloat = (value: number): PyFloat => new PyFloat(value);

/** Python's repr(float): shortest round-trip digits; scientific below 1e-4 or from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = exp >= 0 && Math.abs(x) < 1e21 ? bigFixed(x) : String(x);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

// String(x) switches to exponent form at 1e21; below 1e16 it is already plain.
function bigFixed(x: number): string {
  const s = String(x);
  return s.includes('e') ? BigInt(x).toString() : s;
}

function pyNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 63) return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  return pyFloatRepr(x);
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** json.dumps string with ensure_ascii=True: everything outside ' '..'~' is \uXXXX (UTF-16 units). */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ESCAPES[ch] !== undefined) out += ESCAPES[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Serialises like Python json.dumps; `undefined` members are dropped as JSON.stringify does. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pyNumber(value);
    case 'string':
      return pyString(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v)).join(', ')}]`;
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
      return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof value} as JSON`);
  }
}
