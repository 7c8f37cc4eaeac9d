// `trove-ha provision` prints one line per change, whatever the detail holds.
import assert from 'node:assert/strict';
import { formatChange } from '../../lib/provision/change.ts';

describe('provision change lines', () => {
  it('one change is one line: a multi-line detail (a tool\'s output) is folded', () => {
    const line = formatChange({ action: 'drift', object: 'service haproxy on ha1', detail: 'cannot start:\n  haproxy-ha1: ERROR (spawn error)\n' }, false);
    assert.equal(line, 'DRIFT        service haproxy on ha1: cannot start: | haproxy-ha1: ERROR (spawn error)');
  });

  it('the verbs say what was done, or in a dry run what would be', () => {
    const c = { action: 'update' as const, object: 'known_hosts /x/known_hosts', detail: 'ha1 198.18.0.21 ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ' };
    assert.equal(formatChange(c, false), 'updated      known_hosts /x/known_hosts: ha1 198.18.0.21 ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ');
    assert.equal(formatChange(c, true), 'would update known_hosts /x/known_hosts: ha1 198.18.0.21 ssh-ed25519 SHA256:BOyEUuM4iXqSIlaoCcp+wOsLB3w+ZBZLPxxNdEY7WkQ');
  });
});
