import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSecret, readSecret } from '../../lab/secrets.ts';

describe('lab secrets', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lab-secrets-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates once, mode 600, and returns the same value afterwards', () => {
    const a = ensureSecret('admin-password', dir);
    assert.match(a, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(join(dir, 'admin-password')).mode & 0o777, 0o600);
    assert.equal(ensureSecret('admin-password', dir), a);
    assert.equal(readSecret('admin-password', dir), a);
    assert.notEqual(ensureSecret('other', dir), a);
    assert.equal(readFileSync(join(dir, 'admin-password'), 'utf8'), `${a}\n`);
  });

  it('rejects path-like names and reports a missing secret by file', () => {
    assert.throws(() => ensureSecret('../x', dir), /bad secret name/);
    assert.throws(() => readSecret('missing', dir), /missing/);
  });
});
