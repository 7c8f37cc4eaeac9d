// Reads environments/<name>.yaml (or a path), validates it and returns the typed
// Environment. Every problem is reported as one line: file, field path, what was
// expected, so an operator can fix the file without reading code.
import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, LineCounter, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { environmentSchema, type Environment } from './schema.ts';
import { ConfigError } from './errors.ts';

export const ENVIRONMENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'environments');

export interface LoadedEnvironment {
  env: Environment;
  file: string;
}

/** `lab` -> environments/lab.yaml; anything with a slash or .yaml is taken as a path. */
export function environmentPath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath)) return resolve(nameOrPath);
  return join(ENVIRONMENTS_DIR, `${nameOrPath}.yaml`);
}

export function loadEnvironment(nameOrPath: string): LoadedEnvironment {
  const file = environmentPath(nameOrPath);
  if (!existsSync(file)) {
    throw new ConfigError(`${file}: no such environment file; pass --env with a name under environments/ or a path to a .yaml file`);
  }
  return { env: parseEnvironment(readFileSync(file, 'utf8'), file), file };
}

export function parseEnvironment(text: string, file: string): Environment {
  const counter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter: counter });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${file}: YAML syntax: ${e.message.split('\n')[0]}`);
    throw new ConfigError(problems.join('\n'), problems);
  }
  const result = environmentSchema.safeParse(doc.toJS(), { reportInput: true });
  if (!result.success) {
    const problems = formatIssues(result.error, file, doc, counter);
    throw new ConfigError(problems.join('\n'), problems);
  }
  return result.data;
}

function formatIssues(error: ZodError, file: string, doc: Document, counter: LineCounter): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    const where = path.length ? path.join('.') : '(top level)';
    const line = lineOf(doc, counter, path);
    const at = line ? `${file}:${line}` : file;
    return `${at}: ${where}: ${describe(issue)}`;
  });
}

function describe(issue: ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is missing; expected ${issue.expected}` : `expected ${issue.expected}, got ${typeName(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against environments/environment.schema.json`;
    case 'invalid_union':
      return `expected ${unionHint(issue)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function unionHint(issue: ZodError['issues'][number]): string {
  const last = String(issue.path[issue.path.length - 1] ?? '');
  if (['password', 'privateKey'].includes(last)) return 'a secret reference { env: VAR } or { file: /path } (literal secrets are not accepted)';
  if (last === 'hostKey') return '{ knownHostsFile: /path } or { fingerprint: "SHA256:..." }';
  return 'one of the allowed forms (see environments/environment.schema.json)';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function lineOf(doc: Document, counter: LineCounter, path: string[]): number | undefined {
  // The deepest node on the path that exists in the file gives the line.
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
