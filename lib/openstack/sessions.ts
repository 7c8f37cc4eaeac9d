// The two Keystone sessions a run needs, built from one Environment: "admin"
// (provisioning, audits across projects) and "tenant" (what a Trove user does).
// They share one HTTP client, hence one redactor that knows both passwords
// and every token either session is issued.
import { ConfigError } from '../env/errors.ts';
import type { Environment } from '../env/schema.ts';
import { resolveSecret } from '../env/secrets.ts';
import type { OnExchange } from './exchange.ts';
import { HttpClient } from './http.ts';
import { KeystoneSession } from './keystone.ts';
import type { PasswordCredentials } from './keystone-types.ts';
import { Redactor } from './redact.ts';
import type { RetryPolicy } from './retry-policy.ts';

export interface OpenSessionsOptions {
  /** Receives a redacted summary of every HTTP attempt (for Allure steps). */
  onExchange?: OnExchange;
  /** Overrides the environment's timeouts.httpRequestMs. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface OpenStackSessions {
  admin: KeystoneSession;
  tenant: KeystoneSession;
  http: HttpClient;
}

/** Builds both sessions; nothing is sent until the first request. */
export function openSessions(env: Environment, options: OpenSessionsOptions = {}): OpenStackSessions {
  const ks = env.keystone;
  const redactor = new Redactor();
  let http: HttpClient;
  try {
    http = new HttpClient({
      timeoutMs: options.timeoutMs ?? env.timeouts.httpRequestMs,
      redactor,
      ...(ks.caFile ? { caFile: ks.caFile } : {}),
      ...(options.onExchange ? { onExchange: options.onExchange } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
  } catch (e) {
    // The only thing that can fail here is reading keystone.caFile.
    throw new ConfigError(`keystone.caFile: ${e instanceof Error ? e.message : String(e)}; fix the path or remove caFile to use the system CAs`);
  }
  const session = (name: 'admin' | 'tenant') =>
    new KeystoneSession({
      name,
      authUrl: ks.url,
      credentials: credentialsOf(ks[name], `keystone.${name}.password`),
      region: ks.region,
      interface: ks.interface,
      http,
    });
  return { admin: session('admin'), tenant: session('tenant'), http };
}

function credentialsOf(c: Environment['keystone']['admin'], where: string): PasswordCredentials {
  return {
    username: c.username,
    password: resolveSecret(c.password, where),
    project: c.project,
    userDomain: c.userDomain,
    projectDomain: c.projectDomain,
  };
}
