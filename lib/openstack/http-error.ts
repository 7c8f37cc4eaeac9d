// The one error type of lib/openstack's HTTP layer. It names the service and
// carries what an operator needs to find the request in the service's own log
// (method, URL, status, OpenStack request id) plus a short, already redacted
// excerpt of the answer. Nothing in it may hold a secret: it ends up in test
// reports and CI logs.

export interface HttpErrorDetails {
  /** Logical service name, e.g. "keystone", "database", "object-store". */
  service: string;
  method: string;
  /** Redacted URL of the request. */
  url: string;
  /** HTTP status; absent when no answer came (network error, timeout). */
  status?: number;
  /** got/Node error code when no answer came: ETIMEDOUT, ECONNREFUSED, ... */
  code?: string;
  /** Redacted, truncated response body. */
  bodyExcerpt?: string;
  /** x-openstack-request-id (or x-compute-request-id) of the answer. */
  requestId?: string;
  /** Number of attempts made (more than 1 when retried). */
  attempts: number;
  /** Why an answer with a good status still failed, e.g. a body that does not parse. */
  reason?: string;
}

export class HttpError extends Error implements HttpErrorDetails {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly code?: string;
  readonly bodyExcerpt?: string;
  readonly requestId?: string;
  readonly attempts: number;
  readonly reason?: string;

  constructor(details: HttpErrorDetails) {
    super(describe(details));
    this.name = 'HttpError';
    this.service = details.service;
    this.method = details.method;
    this.url = details.url;
    this.attempts = details.attempts;
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.bodyExcerpt !== undefined) this.bodyExcerpt = details.bodyExcerpt;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.reason !== undefined) this.reason = details.reason;
  }
}

export function isHttpError(e: unknown, status?: number): e is HttpError {
  return e instanceof HttpError && (status === undefined || e.status === status);
}

function describe(d: HttpErrorDetails): string {
  const outcome = d.status !== undefined ? `HTTP ${d.status}` : `no answer (${d.code ?? 'network error'})`;
  const parts = [`${d.service}: ${d.method} ${d.url} -> ${outcome}`];
  if (d.attempts > 1) parts.push(`after ${d.attempts} attempts`);
  if (d.requestId) parts.push(`request id ${d.requestId}`);
  if (d.reason) parts.push(d.reason);
  let message = parts.join(', ');
  if (d.bodyExcerpt) message += `: ${d.bodyExcerpt}`;
  return message;
}
