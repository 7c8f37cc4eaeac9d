import assert from 'node:assert/strict';
import { ConfigError } from '../../lib/env/errors.ts';
import { resolveNodeTarget } from '../../lib/remote/node-target.ts';
import { testEnvironment } from '../support/test-environment.ts';

const key = { file: '/keys/id' };
const pin = { knownHostsFile: '/keys/known_hosts' };

describe('resolveNodeTarget', () => {
  const env = testEnvironment({
    ssh: { user: 'root', privateKey: key, hostKey: pin, jumpHost: 'bastion' },
    nodes: {
      bastion: { address: '198.18.0.1' },
      ctl1: { address: '198.18.0.11', ssh: { port: 2222, user: 'admin', hostKey: { fingerprint: `SHA256:${'a'.repeat(43)}` } } },
      direct: { address: '198.18.0.12', ssh: { jumpHost: 'ctl1' } },
    },
  });

  it('takes the node own settings over the defaults and remembers where each came from', () => {
    const target = resolveNodeTarget(env, 'ctl1');
    assert.deepEqual(
      { ...target },
      { node: 'ctl1', address: '198.18.0.11', port: 2222, user: 'admin', privateKey: key, privateKeyWhere: 'ssh.privateKey', hostKey: { fingerprint: `SHA256:${'a'.repeat(43)}` }, hostKeyWhere: 'nodes.ctl1.ssh.hostKey', jumpHost: 'bastion' },
    );
  });

  it('does not send the default jump host through itself; a node may name its own', () => {
    assert.equal(resolveNodeTarget(env, 'bastion').jumpHost, undefined);
    assert.equal(resolveNodeTarget(env, 'direct').jumpHost, 'ctl1');
    assert.equal(resolveNodeTarget(env, 'bastion').port, 22);
  });

  it('explains a missing user, key or host key pin', () => {
    const bare = testEnvironment({ nodes: { ctl1: { address: '198.18.0.11' } } });
    assert.throws(() => resolveNodeTarget(bare, 'ctl1'), /^ConfigError: node ctl1: no ssh user; set ssh\.user \(for all nodes\) or nodes\.ctl1\.ssh\.user/);
    const noPin = testEnvironment({ ssh: { user: 'root', privateKey: key }, nodes: { ctl1: { address: '198.18.0.11' } } });
    assert.throws(() => resolveNodeTarget(noPin, 'ctl1'), /no ssh hostKey; .*unknown host keys are always refused/);
  });

  it('names the known nodes for an unknown one', () => {
    assert.throws(() => resolveNodeTarget(env, 'ctl9'), (error: unknown) => error instanceof ConfigError && /no node "ctl9" .*\(have: bastion, ctl1, direct\)/.test(error.message));
  });
});
