// The record of one HTTP attempt, handed to an injectable hook so the report
// layer can turn it into an Allure step without lib/openstack knowing Allure.
// Everything in a summary is redacted and bounded in size.
import type { HeaderValue, Redactor } from './redact.ts';

export interface ExchangeSummary {
  service: string;
  method: string;
  /** Redacted URL including the query string. */
  url: string;
  /** Absent when no answer came. */
  status?: number;
  /** got/Node error code when no answer came. */
  errorCode?: string;
  durationMs: number;
  requestId?: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  requestHeaders: Record<string, HeaderValue>;
  requestBody?: string;
  responseHeaders?: Record<string, HeaderValue>;
  responseBody?: string;
  startedAt: Date;
}

export type OnExchange = (summary: ExchangeSummary) => void;

export const DEFAULT_BODY_LIMIT = 4096;

/** Redacted, truncated rendering of a body for a summary or an error excerpt. */
export function renderBody(
  body: Buffer | string | undefined,
  contentType: string | undefined,
  redactor: Redactor,
  limit: number,
): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  if (Buffer.isBuffer(body) && !isTextual(contentType)) {
    // Object-store payloads: the size says enough, the bytes would only bloat the report.
    return `<${body.length} bytes${contentType ? ` of ${contentType}` : ''}>`;
  }
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  // Redact before truncating: a secret cut in half would no longer match.
  return truncate(redactor.redactBodyText(text), limit);
}

export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}... (${text.length - limit} more characters)`;
}

function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return /json|^text\/|xml|x-www-form-urlencoded/i.test(contentType);
}

/** The id a service logs the request under: most OpenStack services, Nova, Swift (transaction id). */
export function requestIdOf(headers: Record<string, HeaderValue>): string | undefined {
  for (const name of ['x-openstack-request-id', 'x-compute-request-id', 'x-trans-id']) {
    const v = headers[name];
    if (typeof v === 'string' && v) return v;
    if (Array.isArray(v) && v[0]) return v[0];
  }
  return undefined;
}
