// Who holds a VIP: asked of every candidate holder. Exactly one holder is
// healthy; none is an outage; two is split brain (both answer ARP for it), the
// state a SIGKILLed keepalived leaves behind.
import type { RemoteExecutor } from '../remote/types.ts';
import { pass, fail, type Finding } from './finding.ts';

export interface VipHolding {
  vip: string;
  address: string;
  /** Nodes that have the address configured. */
  holders: string[];
  /** Candidates we could not ask, with the reason. */
  unknown: Record<string, string>;
  at: number;
}

/** True when `ip -o -4 addr show` output lists the address. */
export function holdsAddress(ipAddrOutput: string, address: string): boolean {
  return ipAddrOutput.split('\n').some((l) => new RegExp(`\\sinet ${address.replace(/\./g, '\\.')}/\\d+\\s`).test(`${l} `));
}

export async function readVipHolders(remote: RemoteExecutor, vip: string, address: string, candidates: string[]): Promise<VipHolding> {
  const holders: string[] = [];
  const unknown: Record<string, string> = {};
  await Promise.all(
    candidates.map(async (node) => {
      try {
        const r = await remote.exec(node, 'ip -o -4 addr show', { timeoutMs: 10_000 });
        if (holdsAddress(r.stdout, address)) holders.push(node);
      } catch (err) {
        unknown[node] = (err as Error).message.split('\n')[0]!;
      }
    }),
  );
  return { vip, address, holders: holders.sort(), unknown, at: Date.now() };
}

export function judgeVip(h: VipHolding): Finding[] {
  const subject = `VIP ${h.vip} ${h.address}`;
  const unknown = Object.entries(h.unknown);
  const out: Finding[] = [];
  if (h.holders.length === 1) out.push(pass('vip.single-holder', subject, `held by ${h.holders[0]}`));
  else if (h.holders.length === 0) out.push(fail('vip.single-holder', subject, `held by no node${unknown.length ? ` (could not ask ${unknown.map(([n]) => n).join(', ')})` : ''}`));
  else out.push(fail('vip.split-brain', subject, `held by ${h.holders.length} nodes at once: ${h.holders.join(', ')}`));
  return out;
}
