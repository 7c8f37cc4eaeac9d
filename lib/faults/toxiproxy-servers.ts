// The toxiproxy servers of a site as one: a link may run through several (one
// per load-balancer node of a VIP pair), and a link fault must hold on every
// one of them, wherever the VIP moves while it is injected. Each operation goes
// to every server; an inverse (remove, enable) is attempted on all of them even
// when one fails, so a heal undoes as much as it can before reporting.
import type { ToxiproxyApi, ToxicSpec } from './toxiproxy-api.ts';

export class ToxiproxyServers {
  constructor(readonly servers: ReadonlyArray<{ name: string; api: ToxiproxyApi }>) {
    if (servers.length === 0) throw new Error('ToxiproxyServers needs at least one server');
  }

  describe(): string {
    return this.servers.map((s) => (s.name === s.api.url ? s.api.url : `${s.name} (${s.api.url})`)).join(', ');
  }

  async addToxic(proxy: string, name: string, spec: ToxicSpec): Promise<void> {
    for (const s of this.servers) await s.api.addToxic(proxy, name, spec);
  }

  removeToxic(proxy: string, name: string): Promise<void> {
    return this.onAll((api) => api.removeToxic(proxy, name));
  }

  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    if (enabled) return this.onAll((api) => api.setEnabled(proxy, true));
    for (const s of this.servers) await s.api.setEnabled(proxy, false);
  }

  private async onAll(op: (api: ToxiproxyApi) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.servers.map((s) => op(s.api)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (errors.length) throw new Error(errors.join('; '));
  }
}
