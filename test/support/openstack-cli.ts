// The Debian `openstack` CLI as the tests drive it: a process runner with a
// bound, `os` (must succeed), `osJson` (-f json), `osFails` (must fail), and the
// OS_* environment of the admin user of a real Keystone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { RealKeystone } from './real-keystone.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Runner = (cmd: string, args: string[], timeoutMs?: number) => Promise<CliRun>;

/** Runs commands with the environment and directory current at call time (tests set them in before()). */
export function runner(env: () => NodeJS.ProcessEnv, cwd: () => string): Runner {
  return (cmd, args, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      // stdin is /dev/null: OSC would read image data from a non-tty stdin, and nothing here should wait on input.
      const p = spawn(cmd, args, { env: env(), cwd: cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
}

export function openstackCli(run: Runner) {
  const os = async (...args: string[]): Promise<string> => {
    const r = await run('/usr/bin/openstack', args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const osJson = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => JSON.parse(await os(...args, '-f', 'json')) as T;
  const osFails = async (...args: string[]): Promise<string> => {
    const r = await run('/usr/bin/openstack', args);
    assert.notEqual(r.code, 0, `openstack ${args.join(' ')} should have failed:\n${r.stdout}`);
    return r.stderr + r.stdout;
  };
  return { os, osJson, osFails };
}

/** OS_* variables for the admin of a real Keystone; HOME keeps the CLI's caches out of the real one. */
export function adminCliEnv(keystone: RealKeystone, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    OS_AUTH_URL: keystone.url,
    OS_USERNAME: 'admin',
    OS_PASSWORD: keystone.adminPassword,
    OS_PROJECT_NAME: 'admin',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_IDENTITY_API_VERSION: '3',
    OS_REGION_NAME: 'RegionOne',
  };
}
