// Shared by the lab test files (lab.test.ts, trove.test.ts): one lab for all of
// them. lab.test.ts builds it cold (it measures that); any later file only makes
// sure it is up (an idempotent `lab up`, ~10 s on a healthy lab, or a full build
// when the file runs alone); one root-level `after` takes it down once, at the
// very end, and checks that nothing was left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { labDown, labUp, LAB_DIR, type LabUpResult } from '../../lab/index.ts';
import { nodes, SWITCH_NS } from '../../lab/plan.ts';
import { LAB_VM_PREFIX, LAB_VMS_DIR } from '../../lab/steps/cloud.ts';

export const quiet = (): void => undefined;
export const say = (line: string): void => void process.stdout.write(`      ${line}\n`);

const netns = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
export const labNamespaces = (): string[] => netns().filter((n) => n === SWITCH_NS || nodes.some((x) => x.name === n) || n.startsWith(LAB_VM_PREFIX));

export function assertNothingLeft(): void {
  assert.deepEqual(labNamespaces(), [], 'lab namespaces left behind');
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  assert.doesNotMatch(links, /\blab-(admin|tenant)\b/, 'the harness legs are still in the root namespace');
  for (const n of nodes) assert.ok(!existsSync(`/etc/netns/${n.name}`), `/etc/netns/${n.name} left behind`);
  assert.ok(!existsSync(`${LAB_DIR}/nodes`), `${LAB_DIR}/nodes left behind (node state, lab cloud state)`);
  // Micro-VMs (lab cloud namespace driver): namespaces checked above, their /etc and directories here.
  const vmEtc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((e) => e.startsWith(LAB_VM_PREFIX)) : [];
  assert.deepEqual(vmEtc, [], 'VM /etc/netns entries left behind');
  assert.ok(!existsSync(LAB_VMS_DIR), `${LAB_VMS_DIR} left behind`);
  // Every lab daemon names the lab directory on its command line (config paths);
  // a VM's processes (supervisord, guest agent, mariadbd) carry VM_ROOT=<lab dir>/vms/... in their environment.
  const survivors = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid)
    .map((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        const env = readFileSync(`/proc/${p}/environ`, 'utf8');
        // Shell wrappers and lock waiters whose command line merely names the lab
        // directory (someone's `flock ... bash -c '... /var/lib/trove-ha-lab ...'`)
        // are not lab daemons: the lab execs its daemons, never wraps them.
        if (/^(flock|bash -c|sh -c|timeout) /.test(cmd)) return '';
        return cmd.includes(LAB_DIR) || env.includes(`VM_ROOT=${LAB_VMS_DIR}`) ? `${p}: ${cmd}` : '';
      } catch {
        return '';
      }
    })
    .filter(Boolean);
  assert.deepEqual(survivors, [], 'lab processes left running');
}

let touched = false;

/** Tear down whatever is there and build the lab from scratch (what lab.test.ts measures). */
export async function coldLabUp(progress: (line: string) => void = quiet): Promise<LabUpResult> {
  touched = true;
  await labDown({ progress: quiet });
  return labUp({ progress });
}

/** The lab, up: an idempotent `lab up` (builds it when this file runs alone). */
export async function ensureLabUp(): Promise<LabUpResult> {
  touched = true;
  const r = await labUp({ progress: quiet });
  assert.ok(r.ok, JSON.stringify(r.failed));
  return r;
}

/** Mark that a test (re)built the lab itself, so the final teardown runs. */
export function labTouched(): void {
  touched = true;
}

// Root-level hook (this module is imported by every lab test file, once).
after(async function () {
  if (!touched) return;
  this.timeout(5 * 60_000);
  await labDown({ progress: quiet });
  assertNothingLeft();
});
