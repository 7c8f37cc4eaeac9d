// Lab secrets: one file per secret under the lab's secrets directory, mode 600,
// generated once at random and then reused. Values are never logged or printed.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labPaths } from './paths.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * 32 alphanumeric characters: safe unquoted in SQL, SQLAlchemy URLs, INI files,
 * shell words and CLI arguments (a leading '-' would read as an option).
 */
export function randomSecret(length = 32): string {
  let value = '';
  for (const b of randomBytes(length)) value += ALPHABET[b % ALPHABET.length];
  return value;
}

/** The secret `name`, generated (`length` characters) into <dir>/<name> (mode 600) on first use. */
export function ensureSecret(name: string, dir: string = labPaths.secrets, length = 32): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad secret name ${JSON.stringify(name)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  try {
    writeFileSync(file, `${randomSecret(length)}\n`, { flag: 'wx', mode: 0o600 }); // never overwrites
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  return readSecret(name, dir);
}

/** An existing secret; throws (naming the file, not the value) when it is missing or empty. */
export function readSecret(name: string, dir: string = labPaths.secrets): string {
  const file = join(dir, name);
  const value = readFileSync(file, 'utf8').trim();
  if (!value) throw new Error(`secret file ${file} is empty`);
  return value;
}
