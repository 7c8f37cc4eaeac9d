// When a failed HTTP attempt may be repeated. Only idempotent methods are
// retried: repeating a POST after a lost answer could create a second Trove
// instance or backup, which a chaos run would then misreport as a leak.

export interface RetryPolicy {
  /** Extra attempts after the first one, for idempotent methods only. */
  retries: number;
  /** Delay before the first retry; doubles each time up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 200, maxDelayMs: 1000 };

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** Gateway answers: HAProxy without a healthy backend, a backend restarting. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/** No answer at all: connection refused/reset, timeouts, DNS hiccups, unreachable routes. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

export type AttemptOutcome = { status: number } | { code: string | undefined };

export function isRetryableOutcome(outcome: AttemptOutcome): boolean {
  if ('status' in outcome) return RETRYABLE_STATUSES.has(outcome.status);
  return outcome.code !== undefined && RETRYABLE_CODES.has(outcome.code);
}

/** attempt = 1 for the first retry. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}
