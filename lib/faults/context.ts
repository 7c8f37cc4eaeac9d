// What a fault needs to act on a site: the environment (names → nodes, units,
// addresses), the executor, service control and, for link faults, toxiproxy.
// Built once per run; the heal command builds the same from the environment.
import type { Environment } from '../env/schema.ts';
import { ConfigError } from '../env/errors.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { ServiceControl } from '../topology/service-control.ts';
import { ToxiproxyApi } from './toxiproxy-api.ts';

export interface FaultContext {
  env: Environment;
  remote: RemoteExecutor;
  control: ServiceControl;
  /** The environment's toxiproxy; throws ConfigError when it declares none. */
  toxiproxy(): ToxiproxyApi;
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
  let api: ToxiproxyApi | undefined;
  return {
    env,
    remote,
    control,
    toxiproxy() {
      const url = options.toxiproxyUrl ?? env.toxiproxy?.url;
      if (!url) throw new ConfigError(`environment ${env.name} declares no toxiproxy (toxiproxy.url); link faults need one`);
      api ??= new ToxiproxyApi(url, options.toxiproxyTimeoutMs ?? env.timeouts.httpRequestMs);
      return api;
    },
  };
}
