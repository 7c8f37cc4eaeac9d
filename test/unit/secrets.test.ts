import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/env/errors.ts';
import { redact, resolveSecret } from '../../lib/env/secrets.ts';

describe('resolveSecret', () => {
  let dir = '';
  const VARIABLE = 'TROVE_HA_TEST_SECRET';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'trove-ha-secrets-'))));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env[VARIABLE];
  });

  it('reads an environment variable', () => {
    process.env[VARIABLE] = 'from-the-environment';
    assert.equal(resolveSecret({ env: VARIABLE }, 'keystone.admin.password'), 'from-the-environment');
  });

  it('reads a file without its one trailing newline, keeping other whitespace', () => {
    writeFileSync(join(dir, 'a'), '  pass word \n');
    assert.equal(resolveSecret({ file: join(dir, 'a') }, 'x'), '  pass word ');
    writeFileSync(join(dir, 'b'), 'two\n\n');
    assert.equal(resolveSecret({ file: join(dir, 'b') }, 'x'), 'two\n');
    writeFileSync(join(dir, 'c'), 'crlf\r\n');
    assert.equal(resolveSecret({ file: join(dir, 'c') }, 'x'), 'crlf');
  });

  it('names the field and the fix when the variable is missing', () => {
    delete process.env[VARIABLE];
    assert.throws(() => resolveSecret({ env: VARIABLE }, 'keystone.admin.password'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `keystone.admin.password: environment variable ${VARIABLE} is not set or empty; export ${VARIABLE} before running, or point keystone.admin.password at a file with { file: /path }`);
      return true;
    });
  });

  it('names the field, the file and the reason when the file is missing or empty', () => {
    assert.throws(() => resolveSecret({ file: join(dir, 'absent') }, 'ssh.privateKey'), /^ConfigError: ssh\.privateKey: cannot read secret file .*absent \(ENOENT\); create it/);
    writeFileSync(join(dir, 'empty'), '\n');
    assert.throws(() => resolveSecret({ file: join(dir, 'empty') }, 'ssh.privateKey'), /^ConfigError: ssh\.privateKey: secret file .*empty is empty/);
  });

  it('never puts the value in a message', () => {
    process.env[VARIABLE] = '';
    assert.throws(() => resolveSecret({ env: VARIABLE }, 'p'), (error: Error) => !error.message.includes('hunter2'));
  });
});

describe('redact', () => {
  it('masks every occurrence, longest secret first', () => {
    assert.equal(redact('mysql -pabc123 -u x; echo abc123456', ['abc123', 'abc123456']), 'mysql -p*** -u x; echo ***');
  });

  it('ignores secrets too short to mask usefully', () => {
    assert.equal(redact('a b c', ['a', '']), 'a b c');
  });
});
