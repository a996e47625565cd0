// The node:http server below stands in for an InfluxDB 2.x server, which cannot be installed here (only
// Debian's InfluxDB 1.6, without /api/v2/write). It checks each request the way InfluxDB 2.x does
// (path, org/bucket/precision, token, gzip, body) and answers what 2.x answers: 204, 400 with a JSON
// `{code, message}`, 404 for an unknown bucket, 401, 429 and 503 with Retry-After.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfluxWriteError } from './errors.js';
import { createV2Writer, type V2WriterOptions } from './v2-writer.js';

const gunzip = promisify(zlib.gunzip);

interface Received {
  method: string | undefined;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Reply = (r: Received, res: http.ServerResponse) => void;

const received: Received[] = [];
let reply: Reply = (_r, res) => res.writeHead(204).end();
let server: http.Server;
let url: string;

function json(
  res: http.ServerResponse,
  status: number,
  body: object,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const body =
          req.headers['content-encoding'] === 'gzip' ? (await gunzip(raw)).toString() : raw.toString();
        const u = new URL(req.url ?? '/', 'http://x');
        const r: Received = {
          method: req.method,
          path: u.pathname,
          query: Object.fromEntries(u.searchParams),
          headers: req.headers,
          body,
        };
        received.push(r);
        // What InfluxDB 2.x checks before it looks at the points.
        if (r.path !== '/api/v2/write' || r.method !== 'POST') {
          json(res, 404, { code: 'not found', message: 'path not found' });
        } else if (r.headers.authorization !== 'Token secret-token') {
          json(res, 401, { code: 'unauthorized', message: 'unauthorized access' });
        } else if (r.query['bucket'] !== 'loa') {
          json(res, 404, { code: 'not found', message: `bucket "${r.query['bucket'] ?? ''}" not found` });
        } else {
          reply(r, res);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

afterEach(() => {
  received.length = 0;
  reply = (_r, res) => res.writeHead(204).end();
});

function writer(over: Partial<V2WriterOptions> = {}): ReturnType<typeof createV2Writer> {
  return createV2Writer({
    url,
    token: 'secret-token',
    org: 'dài-hạn',
    bucket: 'loa',
    timeoutMs: 5000,
    ...over,
  });
}

async function writeError(p: Promise<void>): Promise<InfluxWriteError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InfluxWriteError);
  return err as InfluxWriteError;
}

const lines = [
  'heartbeat,device=d1,province=Hà\\ Giang uptime_s=1i,mains_v=220.5 1700000000000000000',
  'event,device=d1,type=amp_fault detail="Loa hỏng \\"dây\\"" 1700000000001000000',
];

describe('createV2Writer', () => {
  it('posts gzipped line protocol to /api/v2/write with org, bucket, precision and token', async () => {
    await writer().write(lines);
    expect(received).toHaveLength(1);
    const r = received[0];
    expect(r?.path).toBe('/api/v2/write');
    expect(r?.query).toEqual({ org: 'dài-hạn', bucket: 'loa', precision: 'ns' });
    expect(r?.headers.authorization).toBe('Token secret-token');
    expect(r?.headers['content-encoding']).toBe('gzip');
    expect(r?.headers['content-type']).toMatch(/^text\/plain/);
    expect(r?.body).toBe(lines.join('\n'));
  });

  it('sends plain bodies when gzip is off', async () => {
    await writer({ gzip: false }).write(lines);
    expect(received[0]?.headers['content-encoding']).toBeUndefined();
    expect(received[0]?.body).toBe(lines.join('\n'));
  });

  it('sends nothing for an empty batch', async () => {
    await writer().write([]);
    expect(received).toHaveLength(0);
  });

  it('handles two concurrent batches of 5,000 lines', async () => {
    const big = Array.from(
      { length: 5000 },
      (_, i) => `m,device=d${i % 100} v=${i}i ${1700000000000 + i}000000`,
    );
    const w = writer();
    await Promise.all([w.write(big), w.write(big)]);
    expect(received.map((r) => r.body.split('\n').length)).toEqual([5000, 5000]);
  });

  it('maps 400 to a non-retryable error that keeps the server message and flags partial writes', async () => {
    reply = (_r, res) => {
      json(res, 400, {
        code: 'invalid',
        message: "partial write error (1 written): unable to parse 'm v=': missing field value",
      });
    };
    const e = await writeError(writer().write(lines));
    expect(e).toMatchObject({ status: 400, retryable: false, partial: true });
    expect(e.message).toContain("unable to parse 'm v='");
  });

  it('maps an unknown bucket to a non-retryable "not found" naming bucket and org', async () => {
    const e = await writeError(writer({ bucket: 'nope' }).write(lines));
    expect(e).toMatchObject({ status: 404, retryable: false });
    expect(e.message).toMatch(/bucket "nope" \(org "dài-hạn"\) not found/);
  });

  it('maps a wrong token to a non-retryable 401', async () => {
    const e = await writeError(writer({ token: 'wrong' }).write(lines));
    expect(e).toMatchObject({ status: 401, retryable: false });
    expect(e.message).toContain('unauthorized access');
  });

  it('maps 429 with Retry-After (seconds) to a retryable error with retryAfterMs', async () => {
    reply = (_r, res) => {
      json(
        res,
        429,
        { code: 'too many requests', message: 'org exceeded write limit' },
        { 'retry-after': '7' },
      );
    };
    const e = await writeError(writer().write(lines));
    expect(e).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7000 });
  });

  it('maps 503 to a retryable error', async () => {
    reply = (_r, res) => {
      json(res, 503, { code: 'unavailable', message: 'service unavailable' }, { 'retry-after': '2' });
    };
    const e = await writeError(writer().write(lines));
    expect(e).toMatchObject({ status: 503, retryable: true, retryAfterMs: 2000 });
  });

  it('maps a server that never answers to a retryable timeout', async () => {
    reply = () => {
      // Leave the request hanging; the writer's deadline must end it.
    };
    const e = await writeError(writer({ timeoutMs: 300 }).write(lines));
    expect(e).toMatchObject({ retryable: true, code: 'ETIMEDOUT' });
    expect(e.status).toBeUndefined();
  });

  it('maps a refused connection to a retryable error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => {
      closed.close(() => {
        resolve();
      });
    });
    const e = await writeError(writer({ url: `http://127.0.0.1:${port}` }).write(lines));
    expect(e).toMatchObject({ retryable: true, code: 'ECONNREFUSED' });
  });
});
