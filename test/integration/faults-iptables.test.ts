// The partition rules against real netfilter, in a private network namespace:
// insert, then delete by tag, leaving an operator's rule and another fault's
// look-alike tag alone. (A fake iptables once hid that `iptables -S` quotes
// comments, so the heal deleted nothing and still reported success.)
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { deleteTaggedRules, insertDropRules, partitionTag } from '../../lib/faults/iptables.ts';

const NS = `tfi-${process.pid}`;
const inNs = (script: string) => spawnSync('ip', ['netns', 'exec', NS, 'bash', '-c', script], { encoding: 'utf8' });
const rules = () => inNs('iptables -w -S').stdout.split('\n').filter((l) => l.startsWith('-A '));

describe('partition rules on real iptables', () => {
  before(function () {
    assert.equal(process.getuid?.(), 0, 'needs root to create a network namespace');
    execFileSync('ip', ['netns', 'add', NS]);
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('inserts DROP rules both ways and deletes exactly the tagged ones', () => {
    const tag = partitionTag('partition-abc1');
    const other = partitionTag('partition-abc12');
    assert.equal(inNs('iptables -w -A INPUT -p tcp --dport 22 -j ACCEPT').status, 0);
    assert.equal(inNs(insertDropRules(other, ['198.18.0.13'])).status, 0);
    const ins = inNs(insertDropRules(tag, ['198.18.0.11', '198.18.0.12']));
    assert.equal(ins.status, 0, ins.stderr);
    assert.equal(rules().filter((r) => r.includes(`"${tag}"`)).length, 4, rules().join('\n'));

    const del = inNs(deleteTaggedRules(tag));
    assert.equal(del.status, 0, del.stderr);
    const left = rules();
    assert.ok(!left.some((r) => r.includes(`"${tag}"`)), `tagged rules survived:\n${left.join('\n')}`);
    assert.equal(left.filter((r) => r.includes(`"${other}"`)).length, 2, 'the look-alike tag was deleted too');
    assert.ok(left.some((r) => r.includes('--dport 22')), "the operator's rule was deleted");
    assert.equal(inNs(deleteTaggedRules(tag)).status, 0, 'a second heal is a harmless no-op');
  });

  it('with TCP ports, drops only those ports (Galera replication) and deletes them by tag', () => {
    const tag = partitionTag('partition-galera1');
    const ins = inNs(insertDropRules(tag, ['198.18.0.11'], [4567, 4568, 4444]));
    assert.equal(ins.status, 0, ins.stderr);
    const mine = rules().filter((r) => r.includes(`"${tag}"`));
    assert.equal(mine.length, 2, rules().join('\n'));
    for (const r of mine) assert.match(r, /-p tcp -m multiport --ports 4567,4568,4444 /);
    const del = inNs(deleteTaggedRules(tag));
    assert.equal(del.status, 0, del.stderr);
    assert.ok(!rules().some((r) => r.includes(`"${tag}"`)), rules().join('\n'));
    assert.throws(() => insertDropRules(tag, ['198.18.0.11'], [0]), /not a TCP port/);
  });
});
