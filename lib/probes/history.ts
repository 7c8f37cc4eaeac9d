// The evidence a probe leaves behind (Jepsen: probes record, checks judge):
// one entry per operation attempt, in the order attempted.

export interface HistoryEntry {
  /** When the operation started, ms since the epoch (lib/probes/clock.ts). */
  t: number;
  /** What was attempted, e.g. "amqp-handshake", "GET database/instances", "insert". */
  op: string;
  ok: boolean;
  latencyMs: number;
  /** Short, secret-free outcome: "HTTP 503", "ECONNREFUSED", "timeout". */
  detail?: string;
}

export type History<E extends HistoryEntry = HistoryEntry> = E[];

/** A running probe: start() begins the loop, stop() ends it and returns what was recorded. */
export interface Probe<E extends HistoryEntry = HistoryEntry> {
  readonly name: string;
  start(): void;
  /** Ends the loop (bounded: at most one in-flight attempt's timeout) and returns the history. */
  stop(): Promise<History<E>>;
  /** What was recorded so far (a copy). */
  history(): History<E>;
}
