// Every remote command and HTTP exchange of a run, one JSON line each, in
// reports/<run-id>/evidence.jsonl (already redacted by lib/remote and
// lib/openstack). Specs attach the slice that explains a failure.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandEvent } from '../remote/types.ts';
import type { ExchangeSummary } from '../openstack/exchange.ts';

export interface EvidenceLog {
  command(e: CommandEvent): void;
  exchange(s: ExchangeSummary): void;
  close(): void;
}

export function evidence(runDir: string): EvidenceLog {
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'evidence.jsonl');
  const write = (o: unknown) => appendFileSync(file, `${JSON.stringify(o)}\n`);
  return {
    command: (e) => {
      if (e.phase !== 'end') return;
      write({ kind: 'ssh', at: e.startedAt.toISOString(), node: e.node, command: e.command, ms: Math.round(e.durationMs), code: e.result?.code ?? null, error: e.error?.message.split('\n')[0] });
    },
    exchange: (s) => write({ kind: 'http', ...s }),
    close: () => {},
  };
}
