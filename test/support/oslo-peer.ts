// Drives test/support/guest-oslo-peer.py (real oslo.messaging + Trove code):
// JSON commands on its stdin, JSON lines back; heartbeats it receives as the
// conductor arrive as events. Secrets go through the environment only.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';

export interface PeerEvent {
  event?: string;
  id?: number;
  ok?: boolean;
  [key: string]: unknown;
}

export interface OsloPeer {
  events: PeerEvent[];
  stderr(): string;
  request(cmd: Record<string, unknown>, timeoutMs?: number): Promise<PeerEvent>;
  waitFor(pred: (e: PeerEvent) => boolean, timeoutMs: number, what: string): Promise<PeerEvent>;
  stop(): Promise<void>;
}

/** `script`: which peer (guest-oslo-peer.py: raw oslo calls; guest-trove-api-peer.py: Trove's guest API class). */
export async function startOsloPeer(env: { TRANSPORT_URL: string; GUEST_ID: string; GUEST_KEY: string; [k: string]: string }, script = 'guest-oslo-peer.py'): Promise<OsloPeer> {
  script = new URL(`./${script}`, import.meta.url).pathname;
  // cwd outside the trove package dir: its modules shadow stdlib names there
  const child: ChildProcess = spawn('/usr/bin/python3', [script], { env: { ...process.env, ...env }, cwd: tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
  const events: PeerEvent[] = [];
  let err = '';
  let listeners: Array<() => void> = [];
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as PeerEvent);
    } catch {
      events.push({ event: 'garbage', line });
    }
    for (const l of listeners) l();
  });
  let gone = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    gone = true;
    for (const l of listeners) l();
  });
  const waitFor = (pred: (e: PeerEvent) => boolean, timeoutMs: number, what: string) =>
    new Promise<PeerEvent>((resolve, reject) => {
      const check = () => {
        const hit = events.find(pred);
        if (hit) {
          done();
          resolve(hit);
        } else if (gone) {
          done();
          reject(new Error(`oslo peer exited before ${what}; stderr tail: ${err.slice(-1500)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`oslo peer: no ${what} within ${timeoutMs} ms; stderr tail: ${err.slice(-1500)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners = listeners.filter((l) => l !== check);
      };
      listeners.push(check);
      check();
    });
  let nextId = 1;
  const request = async (cmd: Record<string, unknown>, timeoutMs = 30_000) => {
    const id = nextId++;
    child.stdin!.write(`${JSON.stringify({ ...cmd, id })}\n`);
    const reply = await waitFor((e) => e.id === id, timeoutMs, `reply to ${String(cmd.op)} ${String(cmd.method ?? '')}`);
    if (!reply.ok) throw new Error(`oslo peer ${String(cmd.op)} failed: ${String(reply.error)}`);
    return reply;
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin!.end(`${JSON.stringify({ op: 'quit' })}\n`);
    const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    clearTimeout(killer);
  };
  try {
    await waitFor((e) => e.event === 'ready', 60_000, 'ready line');
  } catch (e) {
    await stop();
    throw e;
  }
  return { events, stderr: () => err, request, waitFor, stop };
}
