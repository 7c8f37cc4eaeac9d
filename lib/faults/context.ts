// What a fault needs to act on a site: the environment (names → nodes, units,
// addresses), the executor, service control and, for link faults, toxiproxy.
// Built once per run; the heal command builds the same from the environment.
import type { Environment } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { ServiceControl } from '../topology/service-control.ts';
import { ToxiproxyApi } from './toxiproxy-api.ts';
import { ToxiproxyServers } from './toxiproxy-servers.ts';

export interface FaultContext {
  env: Environment;
  remote: RemoteExecutor;
  control: ServiceControl;
  /** The environment's toxiproxy server(s); throws ConfigError when it declares none. */
  toxiproxy(): ToxiproxyServers;
}

export interface FaultContextOptions {
  control?: ServiceControl;
  /** Overrides env.toxiproxy.url (tests). */
  toxiproxyUrl?: string;
  /** Bound on each toxiproxy API call; default the environment's timeouts.httpRequestMs. */
  toxiproxyTimeoutMs?: number;
}

export function faultContext(env: Environment, remote: RemoteExecutor, options: FaultContextOptions = {}): FaultContext {
  const control = options.control ?? new ServiceControl(env, remote);
  let servers: ToxiproxyServers | undefined;
  return {
    env,
    remote,
    control,
    toxiproxy() {
      if (servers) return servers;
      const byName = options.toxiproxyUrl ? { [options.toxiproxyUrl]: options.toxiproxyUrl } : env.toxiproxy?.url ? { [env.toxiproxy.url]: env.toxiproxy.url } : env.toxiproxy?.servers;
      if (!byName || Object.keys(byName).length === 0) throw new ConfigError(`environment ${env.name} declares no toxiproxy (toxiproxy.url or toxiproxy.servers); link faults need one`);
      const timeoutMs = options.toxiproxyTimeoutMs ?? env.timeouts.httpRequestMs;
      servers = new ToxiproxyServers(Object.entries(byName).map(([name, url]) => ({ name, api: new ToxiproxyApi(url, timeoutMs) })));
      return servers;
    },
  };
}

/**
 * A link fault's proxy, checked against the proxies the environment declares
 * (toxiproxy.proxies), so a misspelt name fails when the fault is built.
 */
export function toxiproxyProxy(ctx: FaultContext, proxy: string): string {
  ctx.toxiproxy(); // no toxiproxy in the environment: ConfigError now, not mid-scenario
  const declared = ctx.env.toxiproxy?.proxies;
  if (declared && !Object.hasOwn(declared, proxy)) {
    throw new ConfigError(`environment ${ctx.env.name}: toxiproxy.proxies has no proxy "${proxy}" (have: ${Object.keys(declared).join(', ') || 'none'}); name one of them or declare it there`);
  }
  return proxy;
}
