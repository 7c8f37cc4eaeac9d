// One guest log, ported from Trove 18 trove/guestagent/guest_log.py GuestLog:
// status values, show() dict, publish (chunks of guest_log_limit characters,
// one Swift object per chunk named log-<utcnow>, X-Delete-After and
// X-Object-Meta-Lines headers, the JSON metafile <guest_id>/<manager>-<log>_metafile),
// rotation detection (smaller file or a different first-line MD5) and discard.
// Objects live in CONF.guest_log_container_name of the requesting user's
// account, under the prefix <guest_id>/<datastore_manager>-<log>/, which is
// what troveclient's `log save`/`log tail` list and read back.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';
import { builtin, troveError } from '../oslo/failure.ts';
import { pyJsonDumps } from '../oslo/py-json.ts';
import { isHttpStatus, type ObjectStore } from './swift.ts';

export type LogType = 'SYS' | 'USER';

/** guest_log.LogStatus names; show() prints them with '_' as ' '. */
export type LogStatus = 'Disabled' | 'Enabled' | 'Unavailable' | 'Ready' | 'Published' | 'Partial' | 'Rotated' | 'Restart_Required' | 'Restart_Completed';

export interface GuestLogShow {
  name: string;
  type: LogType;
  status: string;
  published: number;
  pending: number;
  container: string;
  prefix: string;
  metafile: string;
}

export interface GuestLogSettings {
  guestId: string;
  datastoreManager: string;
  /** CONF.guest_log_container_name (default database_logs). */
  containerName: string;
  /** CONF.guest_log_limit: max characters per published object (default 1000000). */
  limit: number;
  /** CONF.guest_log_expiry: X-Delete-After in seconds (default 2592000). */
  expiry: number;
}

export type RequestContext = Record<string, unknown>;

export interface GuestLogDeps {
  settings: GuestLogSettings;
  /** clients.swift_client(context). */
  swift: (context: RequestContext) => ObjectStore;
  log: Logger;
  /** str(timeutils.utcnow()).replace(' ', 'T') for object names; a test fixes it. */
  utcnowText?: () => string;
}

/** str(datetime.utcnow()).replace(' ', 'T'): microseconds only when non-zero, as Python prints them. */
export function pyUtcIso(d: Date, micros = d.getUTCMilliseconds() * 1000): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return micros ? `${base}.${p(micros, 6)}` : base;
}

const LINE_BREAKS = new Set(['\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']);

/** Python str.splitlines() (no keepends). */
export function pySplitlines(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!LINE_BREAKS.has(c)) continue;
    out.push(s.slice(start, i));
    if (c === '\r' && s[i + 1] === '\n') i++;
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** len() of a Python str: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}

/**
 * open(file, 'r'); seek(offset); then f.read(chunk) until EOF: text from a byte
 * offset with universal newlines, cut into chunks of `chunk` code points.
 */
export function readTextChunks(file: string, offset: number, chunk: number): string[] {
  const size = statSync(file).size;
  const len = Math.max(0, size - offset);
  const buf = Buffer.alloc(len);
  const fd = openSync(file, 'r');
  try {
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, offset + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8').replace(/\r\n?/g, '\n');
  const cps = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += chunk) out.push(cps.slice(i, i + chunk).join(''));
  return out;
}

/** MD5 of the file's first line (readline() in binary: up to and including the first \n). */
export function headerDigest(file: string): string {
  const fd = openSync(file, 'r');
  const parts: Buffer[] = [];
  try {
    const buf = Buffer.alloc(8192);
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl >= 0) {
        parts.push(Buffer.from(buf.subarray(0, nl + 1)));
        break;
      }
      parts.push(Buffer.from(buf.subarray(0, n)));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return createHash('md5').update(Buffer.concat(parts)).digest('hex');
}

/** FileMode.ADD_GRP_RX_OTH_RX on a directory; best effort (the agent runs as root and reads anyway). */
function addGroupOtherRx(dir: string): void {
  try {
    chmodSync(dir, statSync(dir).mode | 0o055);
  } catch {
    /* a missing directory is created with the log file */
  }
}

export class GuestLog {
  static readonly MF_LABEL_LOG_NAME = 'log_name';
  static readonly MF_LABEL_LOG_TYPE = 'log_type';
  static readonly MF_LABEL_LOG_FILE = 'log_file';
  static readonly MF_LABEL_LOG_SIZE = 'log_size';
  static readonly MF_LABEL_LOG_HEADER = 'log_header_digest';

  context: RequestContext;
  enabled: boolean;
  private size: number | null = null;
  private publishedSize: number | null = null;
  private digest = 'abc';
  private publishedDigest: string | null = null;
  private _status: LogStatus | null = null;
  private containerName: string | null = null;
  private cachedSwift: ObjectStore | null = null;
  private cachedContext: RequestContext | null = null;

  constructor(
    private readonly deps: GuestLogDeps,
    context: RequestContext,
    readonly name: string,
    readonly type: LogType,
    readonly user: string | null,
    readonly file: string,
    private readonly exposedByConf: boolean,
  ) {
    this.context = context;
    this.enabled = type === 'SYS';
    this.status = type === 'USER' ? 'Disabled' : 'Enabled';
    addGroupOtherRx(dirname(file));
  }

  private get swift(): ObjectStore {
    if (!this.cachedSwift || this.cachedContext !== this.context) {
      this.cachedSwift = this.deps.swift(this.context);
      this.cachedContext = this.context;
    }
    return this.cachedSwift;
  }

  get exposed(): boolean {
    return this.exposedByConf || this.context.is_admin === true;
  }

  get status(): LogStatus | null {
    return this._status;
  }

  /** Stays Restart_Required until set to Restart_Completed. */
  set status(status: LogStatus | null) {
    if (this._status !== 'Restart_Required' || status === 'Restart_Completed') {
      this._status = status;
      this.deps.log.debug(`Log status for '${this.name}' set to ${status}`);
    } else {
      this.deps.log.debug(`Log status for '${this.name}' *not* set to ${status} (currently ${this._status})`);
    }
  }

  private setStatus(useFirst: unknown, first: LogStatus, second: LogStatus): void {
    this.status = useFirst ? first : second;
  }

  private headers(): Record<string, string> {
    return { 'X-Delete-After': String(this.deps.settings.expiry) };
  }

  async getContainerName(force = false): Promise<string> {
    if (!this.containerName || force) {
      const name = this.deps.settings.containerName;
      try {
        await this.swift.getContainer(name, 'dummy');
      } catch (err) {
        if (!isHttpStatus(err, 404)) {
          this.deps.log.error(`Could not retrieve container '${name}'`);
          throw err;
        }
        this.deps.log.debug(`Container '${name}' not found; creating now`);
        await this.swift.putContainer(name, this.headers());
      }
      this.containerName = name;
    }
    return this.containerName;
  }

  objectPrefix(): string {
    return `${this.deps.settings.guestId}/${this.deps.settings.datastoreManager}-${this.name}/`;
  }

  metafileName(): string {
    return `${this.objectPrefix().replace(/\/+$/, '')}_metafile`;
  }

  private objectName(): string {
    return `log-${this.deps.utcnowText ? this.deps.utcnowText() : pyUtcIso(new Date())}`;
  }

  async show(): Promise<GuestLogShow> {
    if (!this.exposed) throw troveError('LogAccessForbidden', `You must be admin to show log '${this.name}'.`, { action: 'show', log: this.name });
    await this.refreshDetails();
    let container = 'None';
    let prefix = 'None';
    if (this.publishedSize) {
      container = await this.getContainerName();
      prefix = this.objectPrefix();
    }
    let pending = this.size! - this.publishedSize!;
    if (this.status === 'Rotated') pending = this.size!;
    return {
      name: this.name,
      type: this.type,
      status: (this.status ?? 'None').replace(/_/g, ' '),
      published: this.publishedSize!,
      pending,
      container,
      prefix,
      metafile: this.metafileName(),
    };
  }

  private async refreshDetails(): Promise<void> {
    if (this.publishedSize === null) {
      try {
        const meta = await this.getMetaDetails();
        this.publishedSize = Number.parseInt(String(meta[GuestLog.MF_LABEL_LOG_SIZE]), 10);
        this.publishedDigest = (meta[GuestLog.MF_LABEL_LOG_HEADER] as string | undefined) ?? null;
      } catch (err) {
        if (!isHttpStatus(err, 404)) {
          this.deps.log.error(`Could not get meta details for log '${this.name}'`);
          throw err;
        }
        this.deps.log.debug(`No published metadata found for log '${this.name}'`);
        this.publishedSize = 0;
      }
    }
    this.updateDetails();
    this.deps.log.debug(`Log size for '${this.name}' set to ${this.size} (published ${this.publishedSize})`);
  }

  private updateDetails(): void {
    if (existsSync(this.file)) {
      this.size = statSync(this.file).size;
      this.digest = headerDigest(this.file);
      if (this.status !== 'Disabled') {
        if (this.logRotated()) this.status = 'Rotated';
        else if (this.size > this.publishedSize!) this.setStatus(this.publishedSize, 'Partial', 'Ready');
        else if (this.size === this.publishedSize) this.setStatus(this.publishedSize, 'Published', 'Enabled');
        else throw builtin('Exception', 'Bug in _log_rotated ?');
      }
    } else {
      this.deps.log.warn(`File ${this.file} does not exist`);
      this.publishedSize = 0;
      this.size = 0;
    }
  }

  private logRotated(): boolean {
    const published = this.publishedSize ?? 0;
    return published > 0 && (this.size! < published || this.publishedDigest !== this.digest);
  }

  async publishLog(): Promise<GuestLogShow> {
    if (!this.exposed) throw troveError('LogAccessForbidden', `You must be admin to publish log '${this.name}'.`, { action: 'publish', log: this.name });
    if (this.logRotated()) {
      this.deps.log.debug(`Log file rotation detected for '${this.name}' - discarding old log`);
      await this.deleteLogComponents();
    }
    if (!existsSync(this.file)) throw builtin('RuntimeError', `Cannot publish log file '${this.file}' as it does not exist.`);
    await this.publishToContainer(this.file);
    return this.show();
  }

  async discardLog(): Promise<GuestLogShow> {
    if (!this.exposed) throw troveError('LogAccessForbidden', `You must be admin to discard log '${this.name}'.`, { action: 'discard', log: this.name });
    await this.deleteLogComponents();
    return this.show();
  }

  private async deleteLogComponents(): Promise<void> {
    const container = await this.getContainerName(true);
    const names = (await this.swift.getContainer(container, this.objectPrefix())).map((o) => o.name);
    names.push(this.metafileName());
    for (const n of names) await this.swift.deleteObject(container, n);
    this.publishedSize = 0;
  }

  private async publishToContainer(file: string): Promise<void> {
    const chunkSize = this.deps.settings.limit;
    const container = await this.getContainerName(true);
    await this.refreshDetails();
    await this.putMetaDetails();
    const objectHeaders = this.headers();
    let component = '';
    let componentLen = 0;
    let lines = 0;
    const writeComponent = async () => {
      objectHeaders['x-object-meta-lines'] = String(lines);
      await this.swift.putObject(container, `${this.objectPrefix()}${this.objectName()}`, component, objectHeaders);
      this.publishedSize = this.publishedSize! + componentLen;
      this.publishedDigest = this.digest;
    };
    this.deps.log.debug(`seeking to ${this.publishedSize}`);
    for (const chunk of readTextChunks(file, this.publishedSize!, chunkSize)) {
      for (const line of pySplitlines(chunk)) {
        const lineLen = pyLen(line);
        if (componentLen + lineLen > chunkSize) {
          await writeComponent();
          component = '';
          componentLen = 0;
          lines = 0;
        }
        component += `${line}\n`;
        componentLen += lineLen + 1;
        lines += 1;
      }
    }
    if (lines > 0) await writeComponent();
    await this.putMetaDetails();
  }

  /** The metafile: JsonCodec (json.dumps) of name, type, file, published size, header digest. */
  metafileContents(): string {
    return pyJsonDumps({
      [GuestLog.MF_LABEL_LOG_NAME]: this.name,
      [GuestLog.MF_LABEL_LOG_TYPE]: this.type,
      [GuestLog.MF_LABEL_LOG_FILE]: this.file,
      [GuestLog.MF_LABEL_LOG_SIZE]: this.publishedSize,
      [GuestLog.MF_LABEL_LOG_HEADER]: this.digest,
    });
  }

  private async putMetaDetails(): Promise<void> {
    const container = await this.getContainerName();
    await this.swift.putObject(container, this.metafileName(), this.metafileContents(), this.headers());
    this.deps.log.debug(`_put_meta_details has published log size as ${this.publishedSize}`);
  }

  private async getMetaDetails(): Promise<Record<string, unknown>> {
    this.deps.log.debug(`Getting meta details for '${this.name}'`);
    const container = await this.getContainerName();
    const { body } = await this.swift.getObject(container, this.metafileName());
    this.deps.log.debug(`Found meta details for '${this.name}'`);
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  }
}
