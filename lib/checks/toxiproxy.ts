// The toxiproxy servers of a site carry a clean link: each answers, and every
// proxy the environment declares (toxiproxy.proxies) is there, enabled and
// without toxics. A toxic or a disabled proxy left behind (by a killed run, by
// hand) degrades the path every later test measures, so it fails the check.
import type { ToxiproxyDef } from '../env/schema.ts';
import { pass, fail, type Finding } from './finding.ts';

export interface ToxiproxyProxyState {
  enabled: boolean;
  toxics: Array<{ name: string; type: string }>;
}

/** Each server's proxies by name, or the error reading them. */
export type ToxiproxyView = Record<string, Record<string, ToxiproxyProxyState> | { error: string }>;

export async function readToxiproxy(def: ToxiproxyDef, timeoutMs: number): Promise<ToxiproxyView> {
  const servers = def.servers ?? (def.url ? { [def.url]: def.url } : {});
  const entries = await Promise.all(
    Object.entries(servers).map(async ([name, url]) => {
      // GET /proxies directly: toxiproxy-node-client's Proxy drops the toxics list.
      try {
        const res = await fetch(`${url.replace(/\/+$/, '')}/proxies`, { signal: AbortSignal.timeout(timeoutMs) });
        if (res.status !== 200) throw new Error(`GET /proxies answered HTTP ${res.status}`);
        const all = (await res.json()) as Record<string, ToxiproxyProxyState>;
        return [name, Object.fromEntries(Object.entries(all).map(([p, x]) => [p, { enabled: x.enabled, toxics: (x.toxics ?? []).map((t) => ({ name: t.name, type: t.type })) }]))] as const;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        return [name, { error: `${url}: ${err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.message)}` }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

export function judgeToxiproxy(view: ToxiproxyView, declared: string[] | undefined): Finding[] {
  const out: Finding[] = [];
  for (const [server, proxies] of Object.entries(view)) {
    const subject = `toxiproxy ${server}`;
    if ('error' in proxies && typeof proxies.error === 'string') {
      out.push(fail('toxiproxy.reachable', subject, `cannot list proxies: ${proxies.error}`));
      continue;
    }
    const byName = proxies as Record<string, ToxiproxyProxyState>;
    for (const name of declared ?? Object.keys(byName)) {
      const p = byName[name];
      if (!p) out.push(fail('toxiproxy.proxy', subject, `proxy ${name} is missing (has: ${Object.keys(byName).join(', ') || 'none'})`));
      else if (!p.enabled) out.push(fail('toxiproxy.enabled', subject, `proxy ${name} is disabled (link down)`));
      else if (p.toxics.length) out.push(fail('toxiproxy.clean', subject, `proxy ${name} has toxics: ${p.toxics.map((t) => `${t.name} (${t.type})`).join(', ')}`));
      else out.push(pass('toxiproxy.clean', subject, `proxy ${name} enabled, no toxics`));
    }
  }
  return out;
}
