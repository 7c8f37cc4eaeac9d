// The request layer every OpenStack client goes through: a timeout on every
// request, bounded retries for idempotent methods only, JSON in and out,
// errors that name the service and the request id, and a redacted summary of
// every attempt for the report.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import got, { RequestError, type Got, type Response } from 'got';
import { HttpError } from './http-error.ts';
import { Redactor } from './redact.ts';
import { DEFAULT_BODY_LIMIT, renderBody, requestIdOf, truncate, type ExchangeSummary, type OnExchange } from './exchange.ts';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, isIdempotent, isRetryableOutcome, type RetryPolicy } from './retry-policy.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'OPTIONS' | 'POST' | 'PATCH';

export type QueryValue = string | number | boolean | undefined;

export interface HttpClientOptions {
  /** Default timeout of one attempt (the environment's timeouts.httpRequestMs). */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** PEM bundle to trust for https (the environment's keystone.caFile). */
  caFile?: string;
  /** Shared with the Keystone session so that issued tokens are redacted too. */
  redactor?: Redactor;
  onExchange?: OnExchange;
  /** Maximum characters of a body in a summary. */
  bodyLimit?: number;
}

export interface HttpRequest {
  /** Logical service name used in errors and summaries. */
  service: string;
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, QueryValue>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as is (object-store payloads); set content-type in headers. */
  body?: string | Buffer;
  timeoutMs?: number;
  /** Overrides the client's retry count for this request (idempotent methods only). */
  retries?: number;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the answer is JSON, else undefined. */
  body: T;
  rawBody: Buffer;
  requestId?: string;
}

/** Characters of a response body kept in an HttpError. */
const ERROR_EXCERPT_LIMIT = 400;

const USER_AGENT = 'trove-ha-harness';

type AttemptResult = { response: Response<Buffer>; durationMs: number } | { error: RequestError; durationMs: number };

export class HttpClient {
  readonly redactor: Redactor;
  private readonly got: Got;
  private readonly retry: RetryPolicy;
  private readonly bodyLimit: number;

  constructor(private readonly options: HttpClientOptions) {
    this.redactor = options.redactor ?? new Redactor();
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    this.got = got.extend({
      // Retries are ours (idempotent methods only, bounded); got's would also
      // retry on its own rules and hide attempts from the exchange summaries.
      retry: { limit: 0 },
      throwHttpErrors: false,
      // OpenStack APIs do not redirect; a redirect means a wrong endpoint and
      // must surface as such rather than be followed with the token attached.
      followRedirect: false,
      ...(options.caFile ? { https: { certificateAuthority: readCaFile(options.caFile) } } : {}),
    });
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const url = withQuery(req.url, req.query);
    // Lower-case names so that a caller's "Accept" replaces our default instead of doubling it.
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
    for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    const payload = req.json !== undefined ? Buffer.from(JSON.stringify(req.json)) : req.body;
    const retries = isIdempotent(req.method) ? (req.retries ?? this.retry.retries) : 0;

    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(req, url, headers, payload);
      this.summarise(req, url, headers, payload, attempt, result);
      if ('response' in result && result.response.statusCode < 400) return this.toResponse<T>(req, url, attempt, result.response);
      const outcome = 'response' in result ? { status: result.response.statusCode } : { code: result.error.code };
      if (attempt <= retries && isRetryableOutcome(outcome) && !req.signal?.aborted) {
        await sleep(backoffDelayMs(this.retry, attempt));
        continue;
      }
      throw this.toError(req, url, attempt, result);
    }
  }

  private async attempt(req: HttpRequest, url: string, headers: Record<string, string>, payload: Buffer | string | undefined): Promise<AttemptResult> {
    const started = performance.now();
    try {
      const response = await this.got(url, {
        method: req.method,
        headers,
        responseType: 'buffer',
        ...(payload !== undefined ? { body: payload } : {}),
        timeout: { request: req.timeoutMs ?? this.options.timeoutMs },
        ...(req.signal ? { signal: req.signal } : {}),
      });
      return { response, durationMs: performance.now() - started };
    } catch (e) {
      if (e instanceof RequestError) return { error: e, durationMs: performance.now() - started };
      throw e;
    }
  }

  private toResponse<T>(req: HttpRequest, url: string, attempt: number, response: Response<Buffer>): HttpResponse<T> {
    const raw = response.rawBody ?? Buffer.alloc(0);
    const requestId = requestIdOf(response.headers);
    let body: unknown;
    if (raw.length > 0 && /json/i.test(response.headers['content-type'] ?? '')) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError({
          service: req.service,
          method: req.method,
          url: this.redactor.redactText(url),
          status: response.statusCode,
          attempts: attempt,
          reason: 'the answer says JSON but does not parse',
          bodyExcerpt: this.excerpt(raw, response.headers['content-type']),
          ...(requestId ? { requestId } : {}),
        });
      }
    }
    return { status: response.statusCode, headers: response.headers, body: body as T, rawBody: raw, ...(requestId ? { requestId } : {}) };
  }

  private toError(req: HttpRequest, url: string, attempts: number, result: AttemptResult): HttpError {
    const base = { service: req.service, method: req.method, url: this.redactor.redactText(url), attempts };
    if ('error' in result) {
      return new HttpError({ ...base, code: result.error.code });
    }
    const { response } = result;
    const requestId = requestIdOf(response.headers);
    const bodyExcerpt = this.excerpt(response.rawBody, response.headers['content-type']);
    return new HttpError({
      ...base,
      status: response.statusCode,
      ...(bodyExcerpt ? { bodyExcerpt } : {}),
      ...(requestId ? { requestId } : {}),
    });
  }

  private excerpt(raw: Buffer | undefined, contentType: string | undefined): string | undefined {
    const rendered = renderBody(raw, contentType ?? 'text/plain', this.redactor, Number.MAX_SAFE_INTEGER);
    return rendered === undefined ? undefined : truncate(rendered.replace(/\s+/g, ' '), ERROR_EXCERPT_LIMIT);
  }

  private summarise(
    req: HttpRequest,
    url: string,
    headers: Record<string, string>,
    payload: Buffer | string | undefined,
    attempt: number,
    result: AttemptResult,
  ): void {
    const hook = this.options.onExchange;
    if (!hook) return;
    const r = this.redactor;
    const requestContentType = headers['content-type'];
    const summary: ExchangeSummary = {
      service: req.service,
      method: req.method,
      url: r.redactText(url),
      durationMs: Math.round(result.durationMs),
      attempt,
      startedAt: new Date(Date.now() - result.durationMs),
      requestHeaders: r.redactHeaders(headers),
    };
    const requestBody = renderBody(payload, requestContentType ?? 'text/plain', r, this.bodyLimit);
    if (requestBody !== undefined) summary.requestBody = requestBody;
    if ('response' in result) {
      const { response } = result;
      summary.status = response.statusCode;
      summary.responseHeaders = r.redactHeaders(response.headers);
      const requestId = requestIdOf(response.headers);
      if (requestId) summary.requestId = requestId;
      const responseBody = renderBody(response.rawBody, response.headers['content-type'], r, this.bodyLimit);
      if (responseBody !== undefined) summary.responseBody = responseBody;
    } else if (result.error.code) {
      summary.errorCode = result.error.code;
    }
    try {
      hook(summary);
    } catch (e) {
      // A broken report hook must not change the outcome of the exchange it reports.
      process.emitWarning(`onExchange hook failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read the CA bundle ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

function withQuery(url: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}
