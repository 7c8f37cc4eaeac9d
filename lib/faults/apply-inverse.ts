// Applies one serialised inverse. Used by a fault's own heal() and by the
// journal replay alike; every branch is idempotent.
import type { FaultContext } from './context.ts';
import type { InverseAction } from './inverse.ts';
import { deleteTaggedRules } from './iptables.ts';
import { continueCommand, linkCommand } from './shell.ts';

export async function applyInverse(ctx: FaultContext, a: InverseAction): Promise<void> {
  switch (a.op) {
    case 'service-start':
      return startService(ctx, a.service, a.node);
    case 'services-start':
      // Each one is tried; the first failure is reported after all were attempted.
      {
        const errors: Error[] = [];
        for (const i of a.instances) await startService(ctx, i.service, i.node).catch((e: Error) => errors.push(e));
        if (errors.length) throw errors[0];
      }
      return;
    case 'signal':
      await ctx.remote.exec(a.node, continueCommand(a.pids));
      return;
    case 'link-up':
      await ctx.remote.exec(a.node, linkCommand(a.ifname, 'up'));
      return;
    case 'iptables-delete-tagged':
      await ctx.remote.exec(a.node, deleteTaggedRules(a.tag));
      return;
    case 'toxic-remove':
      return ctx.toxiproxy().removeToxic(a.proxy, a.toxic);
    case 'proxy-enable':
      return ctx.toxiproxy().setEnabled(a.proxy, true);
  }
}

/** Attempts and pause of startService: about 30 s in all. */
const START_ATTEMPTS = 10;
const START_RETRY_MS = 3_000;

/**
 * Every driver's start of a running service succeeds, so a start is safe to
 * repeat. It is retried because a heal can arrive while the fault's own stop is
 * still in progress (a harness killed in the middle of `supervisorctl stop`):
 * the old process still holds its pid file or port and the new one dies at
 * once. Only such races are retried; any other refusal is reported at once.
 */
const START_RACE = /abnormal termination|already (running|started)|in use|stopping/i;

async function startService(ctx: FaultContext, service: string, node: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.control.start(service, node);
      return;
    } catch (e) {
      if (attempt >= START_ATTEMPTS || !START_RACE.test(String((e as Error).message) + String((e as { cause?: Error }).cause?.message ?? ''))) throw e;
      await new Promise((r) => setTimeout(r, START_RETRY_MS));
    }
  }
}
