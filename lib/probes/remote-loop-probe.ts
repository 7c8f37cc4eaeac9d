// A probe whose loop runs ON a node (a guest's vantage point), as one long
// command instead of one SSH exec per attempt: SSH round trips would dominate
// a 100 ms cadence. The loop ends by itself at its deadline; stop() asks it to
// end early through its pid file. The executor returns output only when the
// command ends, so the history is parsed then: history() is empty until stop().
import { randomBytes } from 'node:crypto';
import type { RemoteExecutor } from '../remote/types.ts';
import { measureClockOffset, type ClockOffset } from './clock-offset.ts';
import type { History, HistoryEntry, Probe } from './history.ts';
import { parseProbeLines } from './probe-lines.ts';

export interface RemoteLoopSpec {
  name: string;
  node: string;
  op: string;
  maxDurationMs: number;
  /**
   * The loop's command line. It writes its pid to `pidFile` first, empties the
   * file when it ends (never deletes it), ends on SIGTERM, and prints probe-lines.ts.
   */
  command: (pidFile: string) => string;
}

export interface RemoteLoopProbe extends Probe {
  /** Problems of the probe itself (could not start, output lost), as opposed to failed attempts. */
  errors(): string[];
  clockOffset(): ClockOffset | undefined;
}

/** Extra time the executor allows beyond the loop's own deadline before it kills the command. */
const EXEC_MARGIN_MS = 30_000;

export function remoteLoopProbe(remote: RemoteExecutor, spec: RemoteLoopSpec): RemoteLoopProbe {
  const pidFile = `/tmp/trove-ha-probe-${randomBytes(6).toString('hex')}.pid`;
  const errors: string[] = [];
  let entries: HistoryEntry[] = [];
  let offset: ClockOffset | undefined;
  let running: Promise<void> | undefined;
  let finished = false;

  const run = async () => {
    try {
      offset = await measureClockOffset(remote, spec.node);
    } catch (e) {
      errors.push(`clock offset of ${spec.node} unknown, assuming 0: ${firstLine(e)}`);
    }
    try {
      const r = await remote.exec(spec.node, spec.command(pidFile), { timeoutMs: spec.maxDurationMs + EXEC_MARGIN_MS, allowFail: true }).finally(() => {
        finished = true;
      });
      const parsed = parseProbeLines(r.stdout, spec.op, offset?.offsetMs ?? 0);
      entries = parsed.entries;
      if (!parsed.started) errors.push(`the probe loop on ${spec.node} did not start (exit ${r.code ?? r.signal}): ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}`);
      else if (!parsed.ended) errors.push(`the probe loop on ${spec.node} ended without its end line (exit ${r.code ?? r.signal})`);
      if (parsed.malformed > 0) errors.push(`${parsed.malformed} malformed line(s) from the probe loop on ${spec.node}`);
    } catch (e) {
      errors.push(`the probe loop on ${spec.node} was lost: ${firstLine(e)}`);
    }
    await remote.exec(spec.node, `rm -f ${pidFile}`, { timeoutMs: 10_000, allowFail: true }).catch(() => undefined);
  };

  return {
    name: spec.name,
    start() {
      running ??= run();
    },
    async stop() {
      if (!running) return [];
      if (finished) {
        // Ended by itself (deadline, or could not start): nothing to signal.
        await running;
        return [...entries];
      }
      // Wait (bounded, on the node) for the loop's pid file, in case it is just starting.
      // The loop empties the file when it ends, so an ended loop is not waited for, and no stale pid is signalled.
      const stopCommand = `for i in $(seq 50); do [ -e ${pidFile} ] && break; sleep 0.1; done; [ -s ${pidFile} ] && kill -TERM "$(cat ${pidFile})"; true`;
      await remote.exec(spec.node, stopCommand, { timeoutMs: 15_000, allowFail: true }).catch((e: unknown) => errors.push(`could not stop the probe loop on ${spec.node}: ${firstLine(e)}`));
      await running;
      return [...entries];
    },
    history: (): History => [...entries],
    errors: () => [...errors],
    clockOffset: () => offset,
  };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}
