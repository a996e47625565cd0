// Writes batches through the v2 `/api/v2/write` API (InfluxDB 1.8+, 2.x, 3.x) with the official client.
//
// Only the client's transport is used, not its WriteApi: the WriteApi batches on a timer, keeps a retry
// buffer and retries on its own, while the ingest already owns batching, retries and its durable spool.
// Two retry loops stacked on each other would hide failures from the one that can keep data safe.
import { HttpError, InfluxDB, RequestTimedOutError } from '@influxdata/influxdb-client';
import { writeErrorFromNetwork, writeErrorFromResponse, type WriteTarget } from './errors.js';
import type { PointWriter } from './point-writer.js';

export interface V2WriterOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8086` (no `/api/v2`). */
  url: string;
  /** API token, sent as `Authorization: Token …`. */
  token: string;
  /** Organisation name (2.x); InfluxDB 1.8 and 3.x ignore it. */
  org: string;
  /** Bucket name (on 1.8: `database/retention-policy`). */
  bucket: string;
  /** Deadline for one batch, from sending to the server's answer. */
  timeoutMs: number;
  /** Compress request bodies (`Content-Encoding: gzip`). */
  gzip?: boolean;
}

/** A {@link PointWriter} on `/api/v2/write?org=…&bucket=…&precision=ns`. No I/O until the first `write`. */
export function createV2Writer(options: V2WriterOptions): PointWriter {
  const client = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeoutMs });
  const target: WriteTarget = { kind: 'bucket', name: options.bucket, org: options.org };
  const path =
    `/api/v2/write?org=${encodeURIComponent(options.org)}` +
    `&bucket=${encodeURIComponent(options.bucket)}&precision=ns`;
  const gzip = options.gzip ?? true;

  return {
    async write(lines) {
      if (lines.length === 0) return;
      // The client's own `timeout` is a socket inactivity timeout that reports but does not end the
      // request; this deadline aborts it, so a hung server cannot pin a socket and a batch forever.
      const deadline = new AbortController();
      const timer = setTimeout(() => {
        deadline.abort();
      }, options.timeoutMs);
      try {
        await client.transport.request(path, lines.join('\n'), {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          // gzipThreshold 0: the client compresses any non-empty body; undefined: never.
          ...(gzip ? { gzipThreshold: 0 } : {}),
          signal: deadline.signal,
        });
      } catch (err) {
        if (err instanceof HttpError) {
          throw writeErrorFromResponse(
            {
              status: err.statusCode,
              body: err.body ?? '',
              // The client reads Retry-After as milliseconds; it is seconds (or a date), so read the header.
              retryAfter: headerString(err.headers?.['retry-after']),
            },
            target,
          );
        }
        const timedOut = deadline.signal.aborted || err instanceof RequestTimedOutError;
        const cause = timedOut
          ? Object.assign(new Error(`no response within ${options.timeoutMs} ms`), {
              code: 'ETIMEDOUT',
              cause: err,
            })
          : err;
        throw writeErrorFromNetwork(cause, options.url, target);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function headerString(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}
