// guestAmqpProbe: what a Trove guest sees of RabbitMQ through a management VIP.
// From a node on that network, a Python loop opens TCP to host:port every
// 100 ms, sends the AMQP 0-9-1 protocol header and wants a frame of type 1
// (Connection.Start) back within the reply timeout: a full guest → VIP →
// HAProxy → RabbitMQ round trip (method of lab-recipe-infra.md section 9).
// Python rather than bash: socket timeouts and a monotonic clock without
// spawning a process per attempt.
import { shellQuote } from '../remote/shell-quote.ts';
import type { RemoteExecutor } from '../remote/types.ts';
import { remoteLoopProbe, type RemoteLoopProbe } from './remote-loop-probe.ts';

export interface GuestAmqpProbeOptions {
  /** The node the loop runs on (a VIP's probeFrom). */
  node: string;
  host: string;
  port: number;
  intervalMs?: number;
  connectTimeoutMs?: number;
  replyTimeoutMs?: number;
  maxDurationMs: number;
  /** The interpreter on the node. */
  python?: string;
}

export const AMQP_PROBE_SCRIPT = `
import errno, os, signal, socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
interval, duration, connect_timeout, reply_timeout = (float(a) / 1000 for a in sys.argv[3:7])
pidfile = sys.argv[7]
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
def mono(): return time.monotonic() * 1000
def out(line):
    sys.stdout.write(line + "\\n"); sys.stdout.flush()
def attempt():
    phase, s = "connect", None
    try:
        s = socket.create_connection((host, port), timeout=connect_timeout)
        phase = "reply"
        s.settimeout(reply_timeout)
        s.sendall(b"AMQP\\x00\\x00\\x09\\x01")
        b = s.recv(1)
        if not b: return 0, "closed-without-reply"
        return (1, "connection-start") if b[0] == 1 else (0, "unexpected-frame-0x%02x" % b[0])
    except socket.timeout:
        return 0, phase + "-timeout"
    except OSError as e:
        return 0, phase + "-" + (errno.errorcode.get(e.errno, "error") if e.errno else type(e).__name__)
    finally:
        if s: s.close()
with open(pidfile, "w") as f: f.write(str(os.getpid()))
try:
    out("S %d %.1f" % (time.time() * 1000, mono()))
    end = mono() + duration * 1000
    while not stop and mono() < end:
        t0 = mono()
        ok, detail = attempt()
        out("A %.1f %d %.1f %s" % (t0, ok, mono() - t0, detail))
        wait = min(interval * 1000 - (mono() - t0), end - mono())
        if wait > 0 and not stop: time.sleep(wait / 1000)
    out("E %.1f %s" % (mono(), "stopped" if stop else "deadline"))
finally:
    open(pidfile, "w").close()
`;

export function guestAmqpProbe(remote: RemoteExecutor, o: GuestAmqpProbeOptions): RemoteLoopProbe {
  const args = [o.host, String(o.port), String(o.intervalMs ?? 100), String(o.maxDurationMs), String(o.connectTimeoutMs ?? 250), String(o.replyTimeoutMs ?? 500)];
  return remoteLoopProbe(remote, {
    name: `guest AMQP ${o.host}:${o.port} from ${o.node}`,
    node: o.node,
    op: `amqp-handshake ${o.host}:${o.port}`,
    maxDurationMs: o.maxDurationMs,
    command: (pidFile) => [o.python ?? 'python3', '-c', AMQP_PROBE_SCRIPT, ...args, pidFile].map(shellQuote).join(' '),
  });
}
