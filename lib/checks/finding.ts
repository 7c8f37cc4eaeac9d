// What a check concludes. Readers observe live state; judges are pure functions
// from observations to findings, so they can be tested on recorded output and
// re-run on a probe's history (Jepsen: probes record, checks judge).
export interface Finding {
  /** Which invariant, e.g. "galera.synced". */
  check: string;
  /** What it is about, e.g. "ctl2" or "VIP trove-mgmt1". */
  subject: string;
  ok: boolean;
  /** One line an operator understands without opening a shell. */
  message: string;
}

export const pass = (check: string, subject: string, message: string): Finding => ({ check, subject, ok: true, message });
export const fail = (check: string, subject: string, message: string): Finding => ({ check, subject, ok: false, message });

export function failures(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.ok);
}

/** Multi-line summary for an assertion message or a report attachment. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.ok ? 'ok  ' : 'FAIL'} ${f.check} [${f.subject}]: ${f.message}`).join('\n');
}
