import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../../lib/remote/shell-quote.ts';
import { killMarkedCommand, markCommand } from '../../lib/remote/command-marker.ts';

describe('shellQuote', () => {
  it('leaves plain words readable and quotes the rest', () => {
    assert.equal(shellQuote('trove-api.service'), 'trove-api.service');
    assert.equal(shellQuote('pool:worker'), 'pool:worker');
    assert.equal(shellQuote('a b'), `'a b'`);
    assert.equal(shellQuote(''), `''`);
  });

  it('survives a real shell with quotes, $ and ;', () => {
    for (const word of [`it's`, '$(rm -rf /)', 'a;b', '`x`', '"q"', 'new\nline']) {
      assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' }), word);
    }
  });
});

describe('command markers', () => {
  it('are valid shell and export the marker to the command', () => {
    assert.equal(execFileSync('sh', ['-c', markCommand('echo $TROVE_HA_COMMAND', 'abc123')], { encoding: 'utf8' }), 'abc123\n');
    execFileSync('sh', ['-n', '-c', killMarkedCommand('abc123')]);
  });
});
