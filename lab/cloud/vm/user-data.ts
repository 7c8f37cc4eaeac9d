// user_data → what a micro-VM's "cloud-init" does: files to write and shell
// scripts to run. Pure (no I/O), so it is unit-tested on the exact bytes Trove
// 18 sends (test/fixtures/lab-cloud/trove-userdata.py runs Trove's own code).
//
// Formats, as cloud-init recognises them by their first bytes:
//   gzip (1f 8b)           → decompressed, then parsed again
//   MIME (Content-Type: / MIME-Version:) → each part by its content type
//                            (text/cloud-config, text/x-shellscript,
//                            text/cloud-boothook; text/plain by its first line)
//   #cloud-config          → YAML 1.1 (like PyYAML): write_files, runcmd,
//                            bootcmd, ssh_authorized_keys, hostname/fqdn
//   #!                     → one shell script
//   #cloud-boothook        → a boot-stage script
// Anything else (#include, jinja, part handlers, unknown keys) is recorded in
// `warnings` and ignored.
//
// Trove's taskmanager does NOT send MIME: _create_server() appends
// prepare_cloud_config(files) ("#cloud-config\nwrite_files: …", the injected
// guest_info.conf and trove-guestagent.conf) to the text of
// <cloudinit_location>/<manager>.cloudinit. When that file is a `#!` script (the
// documents' percona.cloudinit is one), real cloud-init runs the WHOLE blob as
// one shell script: the appended YAML lines become shell commands and the
// files are never written. `splitAppendedCloudConfig` (default on in the lab)
// splits such a blob at its `#cloud-config` line so the guest gets its config,
// and says so in a warning; off, the lab behaves exactly like cloud-init.
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';

export interface WriteFile {
  /** Path as the guest sees it (absolute, normalised by vm-files.ts). */
  path: string;
  content: Buffer;
  /** "user" or "user:group", as given (cloud-init's default root:root). */
  owner: string;
  /** Mode bits (cloud-init's default 0644). */
  permissions: number;
  append: boolean;
  /** `defer: true`: written in the final stage, after the other files, before scripts. */
  defer: boolean;
}

export interface UserCommand {
  /** Where it came from: part-001 (a shell part), runcmd, bootcmd, boothook-001. */
  name: string;
  /** boot: before write_files (bootcmd, boothooks); final: after them (scripts, runcmd). */
  stage: 'boot' | 'final';
  /** Complete script text, starting with its #! line. */
  script: string;
}

export interface ParsedUserData {
  files: WriteFile[];
  /** In execution order within each stage. */
  commands: UserCommand[];
  sshAuthorizedKeys: string[];
  hostname?: string;
  warnings: string[];
}

export interface ParseOptions {
  /** Split a `#!` script followed by a `#cloud-config` document (Trove's concatenation); see the header. */
  splitAppendedCloudConfig?: boolean;
}

const SUPPORTED_KEYS = new Set(['write_files', 'runcmd', 'bootcmd', 'ssh_authorized_keys', 'hostname', 'fqdn', 'merge_how', 'merge_type']);

interface Part {
  type: string;
  body: Buffer;
  /** cloud-init's Merge-Type / X-Merge-Type header (only list(append) is honoured). */
  mergeType?: string;
}

export function parseUserData(data: Buffer | string | null | undefined, opts: ParseOptions = {}): ParsedUserData {
  const out: ParsedUserData = { files: [], commands: [], sshAuthorizedKeys: [], warnings: [] };
  if (data === null || data === undefined) return out;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const parts: Part[] = [];
  collectParts(buf, parts, out.warnings, opts, 0);
  const config: Record<string, unknown> = {};
  let scriptNo = 0;
  let boothookNo = 0;
  for (const part of parts) {
    if (part.type === 'text/cloud-config') mergeConfig(config, parseCloudConfig(part.body, out.warnings), part.mergeType);
    else if (part.type === 'text/x-shellscript') out.commands.push({ name: `part-${String(++scriptNo).padStart(3, '0')}`, stage: 'final', script: part.body.toString('utf8') });
    else if (part.type === 'text/cloud-boothook') {
      const body = part.body.toString('utf8').replace(/^#cloud-boothook[^\n]*\n/, '');
      out.commands.push({ name: `boothook-${String(++boothookNo).padStart(3, '0')}`, stage: 'boot', script: body.startsWith('#!') ? body : `#!/bin/sh\n${body}` });
    }
  }
  applyConfig(config, out);
  // cloud-init: bootcmd first (init stage), the shell parts and runcmd last
  // (scripts-user runs /var/lib/cloud/instance/scripts/* in name order: part-NNN < runcmd).
  const rank = (c: UserCommand) => (c.stage === 'boot' ? (c.name === 'bootcmd' ? 0 : 1) : c.name === 'runcmd' ? 3 : 2);
  out.commands = out.commands.map((c, i) => ({ c, i })).sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i).map((x) => x.c);
  return out;
}

function collectParts(buf: Buffer, parts: Part[], warnings: string[], opts: ParseOptions, depth: number): void {
  if (buf.length === 0) return;
  if (depth > 5) {
    warnings.push('user_data nests deeper than 5 levels; ignored the rest');
    return;
  }
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    let inner: Buffer;
    try {
      inner = gunzipSync(buf);
    } catch (e) {
      warnings.push(`gzip user_data does not decompress: ${(e as Error).message}`);
      return;
    }
    collectParts(inner, parts, warnings, opts, depth + 1);
    return;
  }
  const text = buf.toString('utf8');
  if (/^(content-type|mime-version)\s*:/i.test(text)) {
    parseMime(text, parts, warnings, opts, depth);
    return;
  }
  const type = typeByContent(text);
  if (type === 'text/x-shellscript' && opts.splitAppendedCloudConfig) {
    const m = /^#cloud-config[ \t]*$/m.exec(text);
    if (m && m.index > 0) {
      warnings.push(
        'user_data is a #! script with a #cloud-config document appended (Trove joins <manager>.cloudinit and its injected files this way); ' +
          'split in two as splitAppendedCloudConfig asks. Real cloud-init runs it all as ONE shell script and never writes those files.',
      );
      parts.push({ type, body: Buffer.from(text.slice(0, m.index), 'utf8') });
      parts.push({ type: 'text/cloud-config', body: Buffer.from(text.slice(m.index), 'utf8') });
      return;
    }
  }
  if (type === 'unknown') {
    warnings.push(`user_data of unknown type (starts with ${JSON.stringify(text.slice(0, 20))}); ignored, as cloud-init does`);
    return;
  }
  if (type.startsWith('unsupported:')) {
    warnings.push(`user_data part ${type.slice(12)} is not supported by the lab; ignored`);
    return;
  }
  parts.push({ type, body: buf });
}

function typeByContent(text: string): string {
  if (text.startsWith('#cloud-config-archive')) return 'unsupported:#cloud-config-archive';
  if (text.startsWith('#cloud-config')) return 'text/cloud-config';
  if (text.startsWith('#cloud-boothook')) return 'text/cloud-boothook';
  if (text.startsWith('#!')) return 'text/x-shellscript';
  if (text.startsWith('#include')) return 'unsupported:#include';
  if (text.startsWith('## template: jinja')) return 'unsupported:jinja template';
  if (text.startsWith('#part-handler')) return 'unsupported:#part-handler';
  if (text.startsWith('#upstart-job')) return 'unsupported:#upstart-job';
  return 'unknown';
}

interface Headers {
  [name: string]: string;
}

function splitHeaders(text: string): { headers: Headers; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: Headers = {};
  let last = '';
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) headers[last] += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      last = line.slice(0, i).trim().toLowerCase();
      headers[last] = line.slice(i + 1).trim();
    }
  }
  return { headers, body };
}

function headerParam(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseMime(text: string, parts: Part[], warnings: string[], opts: ParseOptions, depth: number): void {
  const { headers, body } = splitHeaders(text);
  const ctype = headers['content-type'] ?? 'text/plain';
  const mediaType = ctype.split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = headerParam(ctype, 'boundary');
    if (!boundary) {
      warnings.push('multipart user_data without a boundary; ignored');
      return;
    }
    const delimiter = `--${boundary}`;
    const chunks = body.split(new RegExp(`(?:^|\\r?\\n)${escapeRe(delimiter)}`));
    // chunks[0] is the preamble; a chunk starting with "--" is the epilogue after the close delimiter.
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith('--')) break;
      parseMime(chunk.replace(/^[ \t]*\r?\n/, ''), parts, warnings, opts, depth + 1);
    }
    return;
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  let payload: Buffer;
  if (encoding === 'base64') payload = Buffer.from(body, 'base64');
  else if (encoding === 'quoted-printable') payload = Buffer.from(decodeQuotedPrintable(body), 'latin1');
  else payload = Buffer.from(body, 'utf8');
  const mergeType = headers['merge-type'] ?? headers['x-merge-type'];
  const explicit: Record<string, string> = {
    'text/cloud-config': 'text/cloud-config',
    'text/x-shellscript': 'text/x-shellscript',
    'text/x-shellscript-per-boot': 'text/x-shellscript',
    'text/x-shellscript-per-instance': 'text/x-shellscript',
    'text/x-shellscript-per-once': 'text/x-shellscript',
    'text/cloud-boothook': 'text/cloud-boothook',
  };
  if (explicit[mediaType]) {
    parts.push({ type: explicit[mediaType]!, body: payload, ...(mergeType ? { mergeType } : {}) });
    return;
  }
  if (mediaType === 'text/plain' || mediaType === 'text/x-not-multipart' || mediaType === 'application/octet-stream') {
    // cloud-init decides a plain part by its first bytes (gzip included).
    const before = parts.length;
    collectParts(payload, parts, warnings, opts, depth + 1);
    if (mergeType) for (const p of parts.slice(before)) p.mergeType = mergeType;
    return;
  }
  warnings.push(`user_data part ${mediaType} is not supported by the lab; ignored`);
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseCloudConfig(body: Buffer, warnings: string[]): Record<string, unknown> {
  let doc: unknown;
  try {
    // YAML 1.1 like PyYAML: `permissions: 0644` is octal 420, yes/no are booleans.
    doc = parseYaml(body.toString('utf8'), { version: '1.1' });
  } catch (e) {
    warnings.push(`cloud-config is not valid YAML, ignored: ${(e as Error).message.split('\n')[0]}`);
    return {};
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    warnings.push('cloud-config is not a mapping; ignored');
    return {};
  }
  return doc as Record<string, unknown>;
}

/**
 * cloud-init's default merge of cloud-config parts replaces a key a later part
 * repeats (it mimics concatenating the YAML documents); `list(append)` in a
 * part's Merge-Type appends lists instead.
 */
function mergeConfig(into: Record<string, unknown>, add: Record<string, unknown>, mergeType?: string): void {
  const how = String(add.merge_how ?? add.merge_type ?? mergeType ?? '');
  const append = /list\(\s*append/.test(how);
  for (const [k, v] of Object.entries(add)) {
    const prev = into[k];
    into[k] = append && Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
  }
}

function applyConfig(config: Record<string, unknown>, out: ParsedUserData): void {
  for (const k of Object.keys(config)) if (!SUPPORTED_KEYS.has(k)) out.warnings.push(`cloud-config key ${k} is not supported by the lab; ignored`);
  if (config.write_files !== undefined) {
    if (!Array.isArray(config.write_files)) out.warnings.push('write_files is not a list; ignored');
    else config.write_files.forEach((f, i) => {
      const file = writeFile(f, i, out.warnings);
      if (file) out.files.push(file);
    });
  }
  for (const key of ['bootcmd', 'runcmd'] as const) {
    const v = config[key];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) {
      out.warnings.push(`${key} is not a list; ignored`);
      continue;
    }
    const lines = v.map((item) => (Array.isArray(item) ? item.map((a) => shellQuote(String(a))).join(' ') : String(item)));
    if (lines.length) out.commands.push({ name: key, stage: key === 'bootcmd' ? 'boot' : 'final', script: `#!/bin/sh\n${lines.join('\n')}\n` });
  }
  const keys = config.ssh_authorized_keys;
  if (Array.isArray(keys)) out.sshAuthorizedKeys.push(...keys.map(String));
  const host = typeof config.hostname === 'string' ? config.hostname : typeof config.fqdn === 'string' ? config.fqdn.split('.')[0] : undefined;
  if (host) out.hostname = host;
}

function writeFile(raw: unknown, index: number, warnings: string[]): WriteFile | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    warnings.push(`write_files[${index}] is not a mapping; ignored`);
    return undefined;
  }
  const f = raw as Record<string, unknown>;
  if (typeof f.path !== 'string' || !f.path) {
    warnings.push(`write_files[${index}] has no path; ignored`);
    return undefined;
  }
  if (f.source !== undefined) warnings.push(`write_files[${index}] ${f.path}: source (download) is not supported; content used`);
  let content: Buffer;
  try {
    content = decodeContent(f.content, typeof f.encoding === 'string' ? f.encoding : undefined);
  } catch (e) {
    warnings.push(`write_files[${index}] ${f.path}: ${(e as Error).message}; ignored`);
    return undefined;
  }
  let permissions = 0o644;
  if (typeof f.permissions === 'number') permissions = f.permissions;
  else if (typeof f.permissions === 'string') {
    const p = f.permissions.trim().replace(/^0o/i, '');
    if (/^[0-7]+$/.test(p)) permissions = parseInt(p, 8);
    else warnings.push(`write_files[${index}] ${f.path}: permissions ${f.permissions} is not octal; 0644 used`);
  }
  return {
    path: f.path,
    content,
    owner: typeof f.owner === 'string' && f.owner ? f.owner : 'root:root',
    permissions: permissions & 0o7777,
    append: f.append === true,
    defer: f.defer === true,
  };
}

/** cloud-init's write_files encodings: b64/base64, gz/gzip, gz+b64 (any order of the words), text/plain. */
function decodeContent(content: unknown, encoding: string | undefined): Buffer {
  let data: Buffer;
  if (content === undefined || content === null) data = Buffer.alloc(0);
  else if (content instanceof Uint8Array) data = Buffer.from(content); // YAML !!binary
  else data = Buffer.from(String(content), 'utf8');
  const enc = (encoding ?? 'text/plain').toLowerCase();
  const words = new Set(enc.split('+').map((w) => w.trim()));
  const known = ['b64', 'base64', 'gz', 'gzip', 'text/plain'];
  for (const w of words) if (!known.includes(w)) throw new Error(`unknown encoding ${encoding}`);
  if (words.has('b64') || words.has('base64')) data = Buffer.from(data.toString('utf8').replace(/\s+/g, ''), 'base64');
  if (words.has('gz') || words.has('gzip')) data = gunzipSync(data);
  return data;
}

export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
