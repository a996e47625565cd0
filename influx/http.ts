// A small HTTP client over node:http for the v1 writer and the InfluxQL client. node:http with a
// keep-alive agent is the cheapest way to send thousands of large bodies to one local server: one socket
// per concurrent write, reused, no stream or WHATWG body machinery in between.
import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path and query, appended to the base URL's own path. */
  path: string;
  headers?: http.OutgoingHttpHeaders;
  body?: Buffer | string;
  /** Whole-request deadline, from sending to the last byte of the response. */
  timeoutMs: number;
}

export interface HttpClient {
  /** The base URL without a trailing slash, for messages. */
  readonly url: string;
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Destroys the kept-alive sockets. Later requests still work: they open new ones. */
  close(): void;
}

/** A timeout, shaped like Node's own network errors so callers can look at `code`. */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no response within ${ms} ms`), { code: 'ETIMEDOUT' });
}

/**
 * Creates a client for one server. No I/O happens here; sockets are opened by the first request.
 * @param keepAlive false for one-off requests (readiness pings) that should leave no socket behind.
 */
export function createHttpClient(baseUrl: string, options: { keepAlive?: boolean } = {}): HttpClient {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`InfluxDB URL must be http:// or https://, got ${baseUrl}`);
  }
  const secure = url.protocol === 'https:';
  const keepAlive = options.keepAlive ?? true;
  // Idle keep-alive sockets are unref'd by the agent, so they never hold the process open.
  const agent = keepAlive
    ? secure
      ? new https.Agent({ keepAlive: true })
      : new http.Agent({ keepAlive: true })
    : undefined;
  const request = secure ? https.request : http.request;
  // `[::1]` → `::1`: node:http wants the bare address.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? undefined : Number(url.port);
  const basePath = url.pathname.replace(/\/+$/, '');
  const auth =
    url.username !== ''
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  const printable = `${url.protocol}//${url.host}${basePath}`;

  function once(req: HttpRequest): Promise<HttpResponse & { reused: boolean }> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers };
      if (auth !== undefined && headers['authorization'] === undefined) headers['authorization'] = auth;
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = request({
        hostname,
        port,
        path: basePath + req.path,
        method: req.method,
        headers,
        agent: agent ?? false,
      });
      let settled = false;
      const timer = setTimeout(() => r.destroy(timeoutError(req.timeoutMs)), req.timeoutMs);
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(Object.assign(err, { reusedSocket: r.reusedSocket }));
      };
      r.on('error', fail);
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        // The connection dropping mid-response emits 'error' on recent Node; 'close' before 'end' covers
        // the rest.
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8'),
            reused: r.reusedSocket,
          });
        });
      });
      r.end(req.body);
    });
  }

  return {
    url: printable,
    async request(req) {
      try {
        return await once(req);
      } catch (err) {
        // A keep-alive socket the server closed while idle (restart, idle timeout) fails on first use
        // with ECONNRESET/EPIPE before the server saw the request; Node's docs recommend one retry on a
        // fresh socket. InfluxDB writes are idempotent (same series and time overwrite), so this is safe.
        const e = err as { reusedSocket?: boolean; code?: string };
        if (e.reusedSocket === true && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return once(req);
        throw err;
      }
    },
    close() {
      agent?.destroy();
    },
  };
}
