// What the Trove lab test files share: the real `openstack` CLI as the lab's
// admin or tenant (passwords from the lab's secret files, in the environment
// only), waits on Trove instances, the lab cloud server behind an instance, a
// SQL login as a tenant user, the guest agent's RSS, and the check that no
// Trove service logged ERROR/Traceback since a point in time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { waitFor } from '../../lab/sh.ts';
import { controllers } from '../../lab/plan.ts';
import { serviceInstance } from '../../lab/contract.ts';
import { readSecret } from '../../lab/secrets.ts';
import { TROVE_SERVICES } from '../../lab/steps/trove.ts';
import { LAB_VM_PREFIX } from '../../lab/steps/cloud.ts';
import { runner, type CliRun } from '../support/openstack-cli.ts';
import type { LogAllowance } from '../../lib/checks/service-logs.ts';

export type Who = 'admin' | 'tenant';

export function troveLabCli(home: () => string, secrets: string[] = []) {
  const env = (who: Who, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home(),
    LANG: 'C.UTF-8',
    OS_AUTH_URL: 'http://198.18.0.10:5000/v3',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_USERNAME: who === 'admin' ? 'admin' : 'trove-ha-tenant',
    OS_PROJECT_NAME: who === 'admin' ? 'admin' : 'trove-ha-tenant',
    OS_PASSWORD: readSecret(who === 'admin' ? 'admin-password' : 'tenant-password'),
    ...extra,
  });
  const redact = (text: string): string => secrets.reduce((t, s) => t.split(s).join('<secret>'), text);
  const runAs = (who: Who, extra: Record<string, string> = {}) => runner(() => env(who, extra), home);
  const run = (who: Who, args: string[], timeoutMs = 120_000): Promise<CliRun> => runAs(who)('/usr/bin/openstack', args, timeoutMs);
  const os = async (who: Who, ...args: string[]): Promise<string> => {
    const r = await run(who, args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')} (as ${who}) failed:\n${redact(r.stderr + r.stdout)}`);
    return r.stdout;
  };
  const osJson = async <T = any>(who: Who, ...args: string[]): Promise<T> => JSON.parse(await os(who, ...args, '-f', 'json')) as T;

  /** `openstack database user create <inst> <name> <password> --databases <db>` in-process, the password in the environment only. */
  async function createUser(instanceId: string, name: string, password: string, database: string): Promise<void> {
    const code = `import os, sys\nfrom openstackclient import shell\nsys.exit(shell.main(['database', 'user', 'create', ${JSON.stringify(instanceId)}, ${JSON.stringify(name)}, os.environ['APP_PASSWORD'], '--databases', ${JSON.stringify(database)}]))`;
    const r = await runAs('tenant', { APP_PASSWORD: password })('/usr/bin/python3', ['-c', code]);
    assert.equal(r.code, 0, `database user create failed:\n${redact(r.stderr + r.stdout)}`);
  }

  async function waitActive(id: string, what: string, timeoutMs = 300_000): Promise<any> {
    let last: any;
    await waitFor(
      `${what} ${id} ACTIVE with operating_status HEALTHY`,
      async () => {
        last = await osJson('tenant', 'database', 'instance', 'show', id);
        if (/ERROR/.test(String(last.status))) throw new Error(`${what} ${id} went ${last.status}: ${JSON.stringify(last.fault ?? '')}`);
        return last.status === 'ACTIVE' && last.operating_status === 'HEALTHY';
      },
      timeoutMs,
      1000,
    );
    return last;
  }

  let token: { id: string; project: string; until: number } | null = null;
  async function tenantGet(path: string): Promise<Response> {
    if (!token || Date.now() > token.until) {
      const t = await osJson<{ id: string; project_id: string }>('tenant', 'token', 'issue');
      token = { id: t.id, project: t.project_id, until: Date.now() + 30 * 60_000 };
    }
    return fetch(`http://198.18.0.10:8779/v1.0/${token.project}/${path}`, { headers: { 'X-Auth-Token': token.id, Accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  }

  /**
   * True while the tenant's instance list (GET /instances) holds the instance.
   * Not a show: once the server is gone, a show calls the dead guest and
   * trove-api logs a MessagingTimeout at ERROR; the list logs one line that
   * deletedInstanceLogAllowance explains. Not the CLI either: on a 404 it
   * falls back to the list to match by name.
   */
  async function instanceExists(id: string): Promise<boolean> {
    const r = await tenantGet('instances');
    if (r.status !== 200) throw new Error(`GET instances: HTTP ${r.status}`);
    const body = (await r.json()) as { instances: { id: string }[] };
    return body.instances.some((i) => i.id === id);
  }

  /** Waits until Trove no longer lists the instance. */
  async function waitGone(id: string, timeoutMs = 180_000): Promise<void> {
    await waitFor(`Trove instance ${id} gone from the instance list`, async () => !(await instanceExists(id)), timeoutMs, 1000);
  }

  /** The lab cloud server Trove made for an instance (its metadata names the instance). */
  async function serverOf(instanceId: string): Promise<string> {
    for (const s of await osJson<{ ID: string }[]>('admin', 'server', 'list', '--all-projects')) {
      const show = await osJson('admin', 'server', 'show', s.ID);
      if (JSON.stringify(show.properties ?? show.metadata ?? '').includes(instanceId)) return s.ID;
    }
    throw new Error(`no lab cloud server for Trove instance ${instanceId}`);
  }

  return { env, run, runAs, os, osJson, createUser, waitActive, waitGone, instanceExists, serverOf, redact };
}

export const tenantIpOf = (show: any): string => /198\.18\.20\.\d+/.exec(JSON.stringify(show.addresses ?? show.ip ?? ''))?.[0] ?? '';

/** One SQL connection to an instance as a tenant user, closed after `fn`. */
export async function withSql<T>(host: string, user: string, password: string, database: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({ host, port: 3306, user, password, database, connectTimeout: 5000 });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Waits (bounded) until a tenant user can log in. An instance is ACTIVE once
 * its guest reports healthy, but its tenant address may have belonged to a VM
 * deleted seconds before, and the harness's neighbour cache can still hold
 * that VM's MAC: the first connections then time out until it is re-resolved.
 */
export async function waitSqlLogin(host: string, user: string, password: string, database: string, timeoutMs = 60_000): Promise<number> {
  let last = '';
  return waitFor(
    `a SQL login as ${user} at ${host}:3306 (last error: see message)`,
    async () => {
      try {
        await withSql(host, user, password, database, (c) => c.query('SELECT 1'));
        return true;
      } catch (err) {
        last = (err as Error).message;
        return false;
      }
    },
    timeoutMs,
    1000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last error: ${last}`);
  });
}

/** The guest agent's RSS in a micro-VM (its node process in the VM's namespace), MiB. */
export function agentRssMiB(serverId: string): number {
  const pids = (spawnSync('ip', ['netns', 'pids', `${LAB_VM_PREFIX}${serverId}`], { encoding: 'utf8' }).stdout ?? '').split(/\s+/).filter(Boolean);
  let kb = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lab/guest/main.ts')) kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

/** Marks the end of every Trove log now; `errors()` lists ERROR/Traceback lines written after. */
export function troveLogWatch() {
  const files = controllers.flatMap((n) => TROVE_SERVICES.map((svc) => serviceInstance(svc, n.name).log));
  const start = new Map(files.map((f) => [f, existsSync(f) ? statSync(f).size : 0]));
  const newLines = (file: string): string[] => {
    const from = start.get(file) ?? 0;
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size <= from) return [];
    const buf = Buffer.alloc(size - from);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n');
  };
  return {
    /** ERROR/CRITICAL/Traceback lines since the watch began, but those an allowance explains. */
    errors: (allow: LogAllowance[] = []): string[] =>
      files.flatMap((f) =>
        newLines(f)
          .filter((l) => (/^\S+ \S+ \d+ (ERROR|CRITICAL) /.test(l) || /Traceback/.test(l)) && !allow.some((a) => a.pattern.test(l)))
          .map((l) => `${f}: ${l.slice(0, 300)}`),
      ),
  };
}
