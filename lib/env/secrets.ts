// Secrets are resolved only where they are used, from an environment variable
// or a file, never from the environment file itself. Messages name the field
// that holds the reference and what to do, and never contain the value.
import { readFileSync } from 'node:fs';
import type { SecretRef } from './schema.ts';
import { ConfigError } from './errors.ts';

/**
 * Returns the secret a reference points to. `where` is the field path of the
 * reference in the environment file (e.g. `nodes.ctl1.ssh.privateKey`), used
 * only in error messages.
 */
export function resolveSecret(ref: SecretRef, where: string): string {
  return 'env' in ref ? fromVariable(ref.env, where) : fromFile(ref.file, where);
}

function fromVariable(name: string, where: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`${where}: environment variable ${name} is not set or empty; export ${name} before running, or point ${where} at a file with { file: /path }`);
  }
  return value;
}

function fromFile(path: string, where: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // Only the error code: the path is ours to print, the content never is.
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`${where}: cannot read secret file ${path} (${code}); create it (readable by this user) or change ${where}`);
  }
  // Editors and `echo x > file` add one trailing newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new ConfigError(`${where}: secret file ${path} is empty; write the secret into it or change ${where}`);
  return value;
}

/** Replaces every occurrence of each secret in `text` with `***`. Empty and very short secrets are ignored. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // A one- or two-character "secret" would mask half of every message and hide the real problem.
    if (secret.length < 3) continue;
    out = out.split(secret).join('***');
  }
  return out;
}
