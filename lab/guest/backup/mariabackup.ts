// The backup and restore pipelines of Trove's backup image (drivers/
// mariabackup.py over drivers/base.py), as child processes of the agent
// instead of a Docker container:
//   backup:   mariabackup --backup --stream=xbstream ... 2>log | gzip
//   restore:  [openssl enc -d ... |] gzip -d -c | mbstream -x -C <datadir>
//             then mariabackup --prepare --target-dir=<datadir>
// gzip is Node's zlib (same format as the gzip binary). The database password
// goes to mariabackup through MYSQL_PWD, not its command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { createHash, type Hash } from 'node:crypto';
import { completedOk, lastLine, OPENSSL_DECRYPT_ARGS } from './naming.ts';

export interface BackupTools {
  mariabackup: string;
  mbstream: string;
  openssl: string;
}

export const DEFAULT_TOOLS: BackupTools = { mariabackup: '/usr/bin/mariabackup', mbstream: '/usr/bin/mbstream', openssl: '/usr/bin/openssl' };

export interface BackupSource {
  /** The server's my.cnf (datadir, InnoDB settings). */
  myCnf: string;
  socket: string;
  user: string;
  /** Secret. */
  password: string;
  /** mariabackup's stderr (Trove: /tmp/mariabackup.log). */
  logFile: string;
}

function exitOf(child: ChildProcess, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`${what} could not run: ${err.message}`)));
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Counts bytes and MD5s what flows through (the segment checksum Trove compares with the ETag). */
export class Md5Tap extends Transform {
  readonly hash: Hash = createHash('md5');
  bytes = 0;
  constructor(private readonly maxBytes = Infinity) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new Error(`the backup stream passed ${this.maxBytes} bytes: Trove would switch to a Static Large Object, which the lab agent does not write`));
    this.hash.update(chunk);
    done(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface RunningBackup {
  /** The gzip'd xbstream. */
  stream: Readable;
  /** Settles when mariabackup has exited: its log, or an error (exit code, no "completed OK!"). */
  finished: Promise<string>;
}

/** mariabackup --backup --stream=xbstream | gzip. */
export function startBackup(tools: BackupTools, src: BackupSource): RunningBackup {
  const log = createWriteStream(src.logFile, { mode: 0o600 });
  const child = spawn(tools.mariabackup, [`--defaults-file=${src.myCnf}`, '--backup', '--stream=xbstream', `--user=${src.user}`, '--host=localhost', `--socket=${src.socket}`], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', MYSQL_PWD: src.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(log);
  const gzip = createGzip();
  child.stdout!.pipe(gzip);
  const finished = (async () => {
    const code = await exitOf(child, tools.mariabackup);
    await new Promise<void>((r) => (log.writableFinished ? r() : log.once('finish', () => r())));
    const text = readFileSync(src.logFile, 'utf8');
    if (code !== 0) throw new Error(`mariabackup exited with ${code}: ${lastLine(text)}`);
    if (!completedOk(text)) throw new Error(`Backup did not complete successfully, last line: ${lastLine(text)}`);
    return text;
  })();
  finished.catch(() => undefined); // observed by the caller; no unhandled rejection meanwhile
  return { stream: gzip, finished };
}

export interface RestoreInput {
  /** The downloaded object (gzip'd xbstream, or openssl-encrypted when `aesKey` is given). */
  body: Readable;
  datadir: string;
  /** Decrypt first (a *.enc object); secret. */
  aesKey: string | null;
}

/** [openssl enc -d |] gunzip | mbstream -x -C <datadir>; resolves with the bytes read from `body` and their MD5. */
export async function unpackBackup(tools: BackupTools, input: RestoreInput): Promise<{ bytes: number; md5: string }> {
  const tap = new Md5Tap();
  const mbstream = spawn(tools.mbstream, ['-x', '-C', input.datadir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let mbErr = '';
  mbstream.stderr!.on('data', (c: Buffer) => (mbErr += c.toString()));
  const mbExit = exitOf(mbstream, tools.mbstream);
  let decrypt: ChildProcess | null = null;
  let decErr = '';
  if (input.aesKey) {
    decrypt = spawn(tools.openssl, OPENSSL_DECRYPT_ARGS, { env: { PATH: '/usr/bin:/bin', BACKUP_AES_CBC_KEY: input.aesKey }, stdio: ['pipe', 'pipe', 'pipe'] });
    decrypt.stderr!.on('data', (c: Buffer) => (decErr += c.toString()));
  }
  const decExit = decrypt ? exitOf(decrypt, tools.openssl) : Promise.resolve(0);
  try {
    if (decrypt) {
      // body -> tap -> openssl stdin; openssl stdout -> gunzip -> mbstream
      await Promise.all([pipeline(input.body, tap, decrypt.stdin!), pipeline(decrypt.stdout!, createGunzip(), mbstream.stdin!)]);
    } else {
      await pipeline(input.body, tap, createGunzip(), mbstream.stdin!);
    }
  } catch (err) {
    mbstream.kill('SIGTERM');
    decrypt?.kill('SIGTERM');
    throw new Error(`restore stream failed: ${(err as Error).message}${decErr ? ` (openssl: ${decErr.trim()})` : ''}${mbErr ? ` (mbstream: ${mbErr.trim()})` : ''}`);
  }
  if ((await decExit) !== 0) throw new Error(`openssl could not decrypt the backup: ${decErr.trim()}`);
  const code = await mbExit;
  if (code !== 0) throw new Error(`mbstream exited with ${code}: ${mbErr.trim()}`);
  return { bytes: tap.bytes, md5: tap.digest() };
}

/** MariaBackup.post_restore: mariabackup --prepare; its last stderr line must say "completed OK!". */
export async function prepareRestored(tools: BackupTools, datadir: string): Promise<void> {
  const child = spawn(tools.mariabackup, ['--prepare', `--target-dir=${datadir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const code = await exitOf(child, tools.mariabackup);
  if (!err) throw new Error('Empty prepare log file');
  if (code !== 0 || !completedOk(err)) throw new Error(`Prepare did not complete successfully (exit ${code}): ${lastLine(err)}`);
}

