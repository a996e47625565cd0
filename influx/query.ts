// InfluxQL over HTTP `/query`: what the CLI, the coverage engine, the tests and the dashboard tests read
// with. InfluxQL is the one query language InfluxDB 1.x, 2.x (v1 API with DBRP mappings) and 3.x all
// accept, so nothing here depends on the server's major version.
import { errorCode, InfluxQueryError, serverMessage } from './errors.js';
import { createHttpClient, type HttpResponse } from './http.js';

/** A value in a result row; `time` is epoch milliseconds (the client asks for `epoch=ms`). */
export type InfluxValue = string | number | boolean | null;

/** One series of a result, as InfluxDB returns it. */
export interface Series {
  name: string;
  /** Present with GROUP BY tags. */
  tags?: Record<string, string>;
  columns: string[];
  values: InfluxValue[][];
}

/** Values for `$name` placeholders in a query (InfluxDB 1.x bound parameters). */
export type QueryParams = Readonly<Record<string, string | number | boolean>>;

export interface InfluxQlOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8086`. */
  url: string;
  /** Default database for queries (`db=`); statements may still name others. */
  database?: string;
  /** Default retention policy (`rp=`). */
  retentionPolicy?: string;
  /** InfluxDB 1.x user, sent as HTTP Basic auth. */
  username?: string;
  password?: string;
  /** InfluxDB 2.x/3.x token, sent as `Authorization: Token …`. */
  token?: string;
  /** Deadline per request; 30 s when absent. */
  timeoutMs?: number;
}

/** What `/ping` tells. */
export interface PingResult {
  /** `X-Influxdb-Version`, e.g. `1.6.7~rc0`, when the server sends it. */
  version: string | undefined;
}

export interface InfluxQl {
  readonly url: string;
  readonly database: string | undefined;
  /**
   * Runs one or more `;`-separated statements and returns all their series in order. Read-only
   * statements go as GET, anything else (CREATE, DROP, SELECT INTO...) as POST, which 1.x requires.
   * @throws InfluxQueryError with the server's message when the request or any statement fails.
   */
  query(q: string, params?: QueryParams): Promise<Series[]>;
  /** `CREATE DATABASE "name"` (does nothing if it exists). */
  createDatabase(name: string): Promise<void>;
  /** `DROP DATABASE "name"`. */
  dropDatabase(name: string): Promise<void>;
  /** GET /ping; resolves on 204. @throws InfluxQueryError when the server does not answer 204. */
  ping(): Promise<PingResult>;
  /** Releases kept-alive sockets (they are unref'd anyway; this is for tidy shutdowns). */
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Quotes an identifier (database, measurement, tag key) for InfluxQL: `"a \"b\""`. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Quotes a string literal for InfluxQL: `'it\'s'`. Prefer bound parameters where they work. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** True for a single SELECT/SHOW without INTO: the only statements 1.x lets through GET. */
function isReadOnly(q: string): boolean {
  return /^\s*(select|show)\b/i.test(q) && !/\binto\b/i.test(q) && !q.trim().replace(/;$/, '').includes(';');
}

/** Creates an InfluxQL client. No I/O happens until a method is called. */
export function createInfluxQl(options: InfluxQlOptions): InfluxQl {
  const http = createHttpClient(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) {
    headers['authorization'] = `Token ${options.token}`;
  } else if (options.username !== undefined) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }

  async function send(method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResponse> {
    try {
      return await http.request({
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        ...(body === undefined ? {} : { body }),
        timeoutMs,
      });
    } catch (err) {
      const code = errorCode(err);
      const reason = err instanceof Error ? err.message : String(err);
      throw new InfluxQueryError(`InfluxDB at ${http.url} did not answer: ${reason}`, {
        cause: err,
        ...(code === undefined ? {} : { code }),
      });
    }
  }

  async function query(q: string, params?: QueryParams): Promise<Series[]> {
    const form = new URLSearchParams({ q, epoch: 'ms' });
    if (options.database !== undefined) form.set('db', options.database);
    if (options.retentionPolicy !== undefined) form.set('rp', options.retentionPolicy);
    if (params !== undefined) form.set('params', JSON.stringify(params));
    // POST carries the query in the body, so long statements never hit URL length limits.
    const res = isReadOnly(q)
      ? await send('GET', `/query?${form.toString()}`)
      : await send('POST', '/query', form.toString());
    return parseResults(q, res.status, res.body);
  }

  return {
    url: http.url,
    database: options.database,
    query,
    async createDatabase(name) {
      await query(`CREATE DATABASE ${quoteIdent(name)}`);
    },
    async dropDatabase(name) {
      await query(`DROP DATABASE ${quoteIdent(name)}`);
    },
    async ping() {
      const res = await send('GET', '/ping');
      if (res.status !== 204) {
        throw new InfluxQueryError(`InfluxDB at ${http.url} answered /ping with HTTP ${res.status}`, {
          status: res.status,
        });
      }
      const version = res.headers['x-influxdb-version'];
      return { version: typeof version === 'string' ? version : undefined };
    },
    close() {
      http.close();
    },
  };
}

interface RawResult {
  statement_id?: number;
  series?: Series[];
  error?: string;
}

/** Checks the `/query` answer: HTTP errors, a top-level `error`, or an `error` in any statement's result. */
function parseResults(q: string, status: number, body: string): Series[] {
  let json: { results?: RawResult[]; error?: string } | undefined;
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    json = undefined;
  }
  const short = q.length > 200 ? `${q.slice(0, 200)}…` : q;
  if (status !== 200 || json === undefined || typeof json.error === 'string') {
    const msg = json?.error ?? serverMessage(body);
    throw new InfluxQueryError(`InfluxQL query failed (HTTP ${status}): ${msg} [${short}]`, { status });
  }
  const out: Series[] = [];
  for (const r of json.results ?? []) {
    if (typeof r.error === 'string') {
      throw new InfluxQueryError(`InfluxQL statement ${r.statement_id ?? 0} failed: ${r.error} [${short}]`, {
        status,
        statementId: r.statement_id ?? 0,
      });
    }
    if (r.series !== undefined) out.push(...r.series);
  }
  return out;
}
