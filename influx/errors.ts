// Typed errors for InfluxDB writes and queries. `retryable` says what the server's answer means in
// general (network trouble and overload pass, a bad point never will). The ingest itself sets a batch
// aside only on status 400 (a point InfluxDB refuses, which retrying forever would let block everything
// behind it) and retries everything else, 401/403/404 included: an operator fixes those, and meanwhile
// the points wait on disk rather than vanish (ingest/service.ts).

/** What a failed write was aimed at, to name it in messages (`database "loa"`, `bucket "b" (org "o")`). */
export interface WriteTarget {
  kind: 'database' | 'bucket';
  name: string;
  org?: string;
}

export interface InfluxWriteErrorOptions {
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
  body?: string;
  partial?: boolean;
  dropped?: number;
  code?: string;
  cause?: unknown;
}

/** A write InfluxDB did not accept, with what a caller needs to decide what to do next. */
export class InfluxWriteError extends Error {
  override name = 'InfluxWriteError';
  /** HTTP status, absent when no response arrived (connection refused, reset, timed out). */
  status?: number;
  /** True when the same batch may succeed later: network errors, timeouts, 408, 429, 5xx. */
  retryable: boolean;
  /** The server's Retry-After, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /** The response body as received (truncated), for logs. */
  body?: string;
  /**
   * InfluxDB 1.x/2.x wrote the valid points of the batch and refused some (`partial write: ...`, e.g. a
   * field type conflict or one unparsable line). Retrying the batch rewrites the same points harmlessly
   * but will never make the refused ones pass.
   */
  partial: boolean;
  /** How many points the server said it dropped (`dropped=N` in 1.x messages), when it said so. */
  dropped?: number;
  /** Node's error code for network failures (ECONNREFUSED, ECONNRESET, ETIMEDOUT...). */
  code?: string;

  constructor(message: string, options: InfluxWriteErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.partial = options.partial ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.body !== undefined) this.body = options.body;
    if (options.dropped !== undefined) this.dropped = options.dropped;
    if (options.code !== undefined) this.code = options.code;
  }
}

/** An InfluxQL query or a ping that failed; `message` carries the server's own words. */
export class InfluxQueryError extends Error {
  override name = 'InfluxQueryError';
  status?: number;
  /** Index of the failing statement when several were sent at once. */
  statementId?: number;
  code?: string;

  constructor(
    message: string,
    options: { status?: number; statementId?: number; code?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
    if (options.statementId !== undefined) this.statementId = options.statementId;
    if (options.code !== undefined) this.code = options.code;
  }
}

const MAX_BODY_KEPT = 2000;

/**
 * The server's message from an error body: `{"error": ...}` (1.x, 3.x), `{"message": ...}` (2.x), or
 * the raw text. Falls back to the `X-Influxdb-Error` header 1.x sets on every error.
 */
export function serverMessage(body: string, headerError?: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as unknown;
      if (typeof json === 'object' && json !== null) {
        const o = json as Record<string, unknown>;
        if (typeof o['error'] === 'string' && o['error'] !== '') return o['error'];
        if (typeof o['message'] === 'string' && o['message'] !== '') return o['message'];
      }
    } catch {
      // Not JSON after all: the raw text is the best message there is.
    }
  }
  if (trimmed !== '') return trimmed.length > MAX_BODY_KEPT ? `${trimmed.slice(0, MAX_BODY_KEPT)}…` : trimmed;
  return headerError ?? '';
}

/**
 * Retry-After as milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when
 * absent or unreadable, so the caller's own backoff applies.
 */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const h = header.trim();
  if (h === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(h)) return Math.round(Number(h) * 1000);
  const at = Date.parse(h);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function describeTarget(t: WriteTarget): string {
  return t.kind === 'database'
    ? `database "${t.name}"`
    : `bucket "${t.name}"${t.org === undefined ? '' : ` (org "${t.org}")`}`;
}

/** Turns an HTTP error response to a write into an {@link InfluxWriteError}. */
export function writeErrorFromResponse(
  response: {
    status: number;
    body: string;
    retryAfter?: string | undefined;
    headerError?: string | undefined;
  },
  target: WriteTarget,
): InfluxWriteError {
  const { status } = response;
  const msg = serverMessage(response.body, response.headerError);
  const body = response.body.length > MAX_BODY_KEPT ? response.body.slice(0, MAX_BODY_KEPT) : response.body;
  const where = describeTarget(target);
  if (status === 429 || status === 408 || (status >= 500 && status !== 501)) {
    const retryAfterMs = parseRetryAfter(response.retryAfter);
    return new InfluxWriteError(
      `InfluxDB write to ${where} failed with HTTP ${status}, retry later: ${msg}`,
      {
        status,
        retryable: true,
        body,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }
  if (status === 404) {
    return new InfluxWriteError(`InfluxDB: ${where} not found (HTTP 404: ${msg})`, {
      status,
      retryable: false,
      body,
    });
  }
  if (status === 401 || status === 403) {
    return new InfluxWriteError(`InfluxDB refused the credentials for ${where} (HTTP ${status}): ${msg}`, {
      status,
      retryable: false,
      body,
    });
  }
  // 400 (bad line protocol, field type conflict), 413 (batch too large) and the rest of 4xx: sending the
  // same bytes again cannot succeed. Keep the server's message: it names the offending line or field.
  const partial = /partial write/i.test(msg);
  const dropped = /dropped=(\d+)/.exec(msg);
  return new InfluxWriteError(`InfluxDB rejected the write to ${where} (HTTP ${status}): ${msg}`, {
    status,
    retryable: false,
    body,
    partial,
    ...(dropped?.[1] === undefined ? {} : { dropped: Number(dropped[1]) }),
  });
}

/** Turns a failure to get any response (refused, reset, timed out, DNS) into a retryable error. */
export function writeErrorFromNetwork(err: unknown, url: string, target: WriteTarget): InfluxWriteError {
  const code = errorCode(err);
  const reason = err instanceof Error ? err.message : String(err);
  return new InfluxWriteError(
    `InfluxDB write to ${describeTarget(target)} at ${url} failed${code === undefined ? '' : ` (${code})`}: ${reason}`,
    { retryable: true, cause: err, ...(code === undefined ? {} : { code }) },
  );
}

/** Node's `err.code` (ECONNREFUSED...) when there is one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
