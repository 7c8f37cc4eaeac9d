import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../../lib/env/errors.ts';
import { faultContext, partitionNode } from '../../lib/faults/index.ts';
import { deleteTaggedRules, insertDropRules, partitionTag } from '../../lib/faults/iptables.ts';
import { faultEnvironment } from '../support/fault-environment.ts';
import { RecordingRemote } from '../support/recording-remote.ts';

/**
 * Runs a rule command in bash against a fake `iptables` (a shell function over
 * a rules file, in iptables -S format, which prints a comment in double quotes
 * as iptables 1.8 does): the real shell pipeline, no netfilter. Real netfilter
 * is exercised in test/integration/faults-iptables.test.ts.
 */
function runAgainstFakeIptables(command: string, rules: string[]): { rules: string[]; code: number | null; stderr: string; calls: string[] } {
  const fake = `
rules_file=$(mktemp); calls_file=$(mktemp)
printf '%s\\n' "$RULES" | sed '/^$/d' > "$rules_file"
iptables() {
  echo "$*" >> "$calls_file"
  [ "$1" = -w ] && shift
  case "$1" in
    -S) if [ -n "$2" ]; then grep -- "^-A $2 " "$rules_file"; else cat "$rules_file"; fi ;;
    -I) shift; chain=$1; shift; { echo "-A $chain $*" | sed -E 's/--comment ([^ ]+)/--comment "\\1"/'; cat "$rules_file"; } > "$rules_file.new"; mv "$rules_file.new" "$rules_file" ;;
    -D) shift; line="-A $*"; tr -d '"' < "$rules_file" | grep -n -x -F -- "$line" | head -1 | cut -d: -f1 | { read -r n || exit 1; sed -i "\${n}d" "$rules_file"; } ;;
  esac
}
( ${command} ); code=$?
echo "---RULES"; cat "$rules_file"; echo "---CALLS"; cat "$calls_file"; rm -f "$rules_file" "$calls_file"; exit $code`;
  const r = spawnSync('bash', ['-c', fake], { encoding: 'utf8', env: { ...process.env, RULES: rules.join('\n') } });
  const [, after = ''] = r.stdout.split('---RULES\n');
  const [ruleText = '', callText = ''] = after.split('---CALLS\n');
  return { rules: ruleText.split('\n').filter(Boolean), calls: callText.split('\n').filter(Boolean), code: r.status, stderr: r.stderr };
}

describe('partitionNode and iptables tags', () => {
  const operatorRules = ['-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT', '-A INPUT -s 198.18.0.11/32 -m comment --comment "trove-ha:partition-x12" -j DROP'];

  it('inserts tagged DROP rules both ways and the inverse deletes exactly those', () => {
    const tag = partitionTag('partition-x1');
    const injected = runAgainstFakeIptables(insertDropRules(tag, ['198.18.0.11', '198.18.0.12']), operatorRules);
    assert.equal(injected.code, 0, injected.stderr);
    assert.deepEqual(injected.rules.filter((r) => r.includes(`--comment "${tag}" `)).sort(), [
      '-A INPUT -s 198.18.0.11/32 -m comment --comment "trove-ha:partition-x1" -j DROP',
      '-A INPUT -s 198.18.0.12/32 -m comment --comment "trove-ha:partition-x1" -j DROP',
      '-A OUTPUT -d 198.18.0.11/32 -m comment --comment "trove-ha:partition-x1" -j DROP',
      '-A OUTPUT -d 198.18.0.12/32 -m comment --comment "trove-ha:partition-x1" -j DROP',
    ]);
    const healed = runAgainstFakeIptables(deleteTaggedRules(tag), injected.rules);
    assert.equal(healed.code, 0, healed.stderr);
    // The operator's rule and another fault's rule (tag x12, a prefix trap) stay.
    assert.deepEqual(healed.rules, operatorRules);
    assert.ok(!healed.calls.some((c) => /-F|--flush/.test(c)), 'never flushes');
    // Healing again is a no-op that succeeds.
    const again = runAgainstFakeIptables(deleteTaggedRules(tag), healed.rules);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.rules, operatorRules);
  });

  it('the inverse fails loudly when tagged rules survive', () => {
    // A fake whose -D does nothing: the verification must catch it.
    const stuck = deleteTaggedRules('trove-ha:p1').replace('iptables -w $rule', 'true');
    const r = runAgainstFakeIptables(stuck, ['-A INPUT -s 198.18.0.11/32 -m comment --comment "trove-ha:p1" -j DROP']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /iptables rules tagged trove-ha:p1 are still present/);
  });

  it('partitionNode journals a tag-based inverse and runs the rules on the node itself', async () => {
    const remote = new RecordingRemote();
    const fault = partitionNode(faultContext(faultEnvironment(), remote), 'ctl3', ['ctl1', 'ctl2']);
    const inverse = await fault.prepare();
    const tag = `trove-ha:${fault.id}`;
    assert.deepEqual(inverse.action, { op: 'iptables-delete-tagged', node: 'ctl3', tag });
    await fault.inject();
    assert.deepEqual(remote.calls.map((c) => c.node), ['ctl3']);
    assert.equal(remote.calls[0]!.command, insertDropRules(tag, ['198.18.0.11', '198.18.0.12']));
    await fault.heal();
    assert.equal(remote.calls[1]!.command, deleteTaggedRules(tag));
  });

  it('takes partial rules out again when inserting fails', async () => {
    const remote = new RecordingRemote((_n, c) => (c.startsWith('iptables -w -I') ? { code: 4, stderr: 'iptables: Resource temporarily unavailable.' } : {}));
    const fault = partitionNode(faultContext(faultEnvironment(), remote), 'ctl3', ['ctl1']);
    await fault.prepare();
    await assert.rejects(fault.inject(), /exited with code 4/);
    assert.match(remote.calls[1]!.command, /^set -f; re=.*; for chain in INPUT OUTPUT/);
  });

  it('refuses impossible partitions as ConfigError', () => {
    const ctx = faultContext(faultEnvironment(), new RecordingRemote());
    assert.throws(() => partitionNode(ctx, 'ctl3', []), ConfigError);
    assert.throws(() => partitionNode(ctx, 'ctl3', ['ctl3']), /from itself/);
    assert.throws(() => partitionNode(ctx, 'ctl3', ['ctl9']), /no node "ctl9"/);
    assert.throws(() => partitionNode(ctx, 'guest', ['ha1']), /reaches guest through ha1/);
  });
});
