// The serialisable undo vocabulary. A fault's inverse is written to the journal
// as one of these before the fault is injected, so `trove-ha heal` can undo it
// from the journal alone, in a later process that never saw the fault object.
// Every operation is idempotent: undoing what is already undone succeeds.
import { z } from 'zod';

// Tags and names end up in shell commands and HTTP paths: keep them plain.
const plain = z.string().regex(/^[A-Za-z0-9_.:@-]+$/, 'letters, digits and _ . : @ -');

export const inverseActionSchema = z.discriminatedUnion('op', [
  /** Start a service instance again (after kill, stop, crash). */
  z.strictObject({ op: z.literal('service-start'), service: z.string().min(1), node: z.string().min(1) }),
  /** Start several service instances again, in order (after stopping them together). */
  z.strictObject({ op: z.literal('services-start'), instances: z.array(z.strictObject({ service: z.string().min(1), node: z.string().min(1) })).min(1) }),
  /** Thaw frozen processes; pids are the whole process tree, leaves last. */
  z.strictObject({ op: z.literal('signal'), node: z.string().min(1), service: z.string().optional(), pids: z.array(z.number().int().positive()).min(1), signal: z.literal('CONT') }),
  /** Bring an interface back up. */
  z.strictObject({ op: z.literal('link-up'), node: z.string().min(1), ifname: plain }),
  /** Delete every iptables rule carrying this comment tag, and only those. */
  z.strictObject({ op: z.literal('iptables-delete-tagged'), node: z.string().min(1), tag: plain }),
  /** Remove a toxic from a toxiproxy proxy. */
  z.strictObject({ op: z.literal('toxic-remove'), proxy: plain, toxic: plain }),
  /** Enable a toxiproxy proxy that was disabled ("down"). */
  z.strictObject({ op: z.literal('proxy-enable'), proxy: plain }),
]);

export type InverseAction = z.infer<typeof inverseActionSchema>;

/** A journal's action as an InverseAction, or a message saying why it is not one. */
export function parseInverseAction(action: unknown): { ok: true; action: InverseAction } | { ok: false; problem: string } {
  const r = inverseActionSchema.safeParse(action);
  if (r.success) return { ok: true, action: r.data };
  return { ok: false, problem: r.error.issues.map((i) => `${i.path.join('.') || 'action'}: ${i.message}`).join('; ') };
}

/** What an operator would do by hand; stored next to the action in the journal. */
export function describeInverse(a: InverseAction): string {
  switch (a.op) {
    case 'service-start':
      return `start service ${a.service} on ${a.node}`;
    case 'services-start':
      return a.instances.map((i) => `start service ${i.service} on ${i.node}`).join('; ');
    case 'signal':
      return `kill -s ${a.signal} ${a.pids.join(' ')} on ${a.node}${a.service ? ` (${a.service})` : ''}`;
    case 'link-up':
      return `ip link set dev ${a.ifname} up on ${a.node}`;
    case 'iptables-delete-tagged':
      return `delete the iptables rules commented ${a.tag} on ${a.node} (iptables -S | grep ${a.tag}, then -D each)`;
    case 'toxic-remove':
      return `remove toxic ${a.toxic} from toxiproxy proxy ${a.proxy}`;
    case 'proxy-enable':
      return `enable toxiproxy proxy ${a.proxy}`;
  }
}
