// The lab cloud as a child process of a test: started from its config file,
// ready when it prints "lab-cloud ready", stopped by PID (TERM, then KILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LabCloudProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Run it in its own mount namespace, as `ip netns exec cloud` does in the lab. */
  privateMounts?: boolean;
  readyTimeoutMs?: number;
  /** Everything it prints, as it comes. */
  onOutput?: (text: string) => void;
}

export function startLabCloud(configFile: string, o: StartOptions = {}): Promise<LabCloudProcess> {
  const timeoutMs = o.readyTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const node = [process.execPath, '--import', 'tsx', join(ROOT, 'lab/cloud/main.ts'), '--config', configFile];
    const argv = o.privateMounts ? ['unshare', '--mount', '--propagation', 'slave', ...node] : node;
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`lab cloud not ready in ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      o.onOutput?.(c.toString());
      if (out.includes('lab-cloud ready')) {
        clearTimeout(timer);
        resolve({ child, stop: () => stopChild(child) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('lab-cloud ready')) reject(new Error(`lab cloud exited ${code}:\n${out}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}
