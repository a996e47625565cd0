import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../runtime/index.js';
import type { Agent } from './agent.js';
import { parseLocalLine, submitLocalRecord } from './local-input.js';

/** A request body larger than this is refused: a record is at most 4 KiB on the wire. */
const MAX_BODY = 64 * 1024;

export interface LocalHttp {
  /** Starts listening on 127.0.0.1 only (the playout software runs on the same box); returns the port. */
  start(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The local HTTP endpoint for the playout software (docs/agent.md §5):
 * - `POST /v1/records`: one JSON object, or JSON lines; 202 when all are accepted, else 400 (a refused
 *   record, with the reason) or 503 (the outbox is full: try again later); the body lists each result;
 * - `GET /v1/status`: the agent's counters and the outbox, for an operator checking the box.
 */
export function createLocalHttp(options: { agent: Agent; port: number; logger: Logger }): LocalHttp {
  let server: Server | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method === 'GET' && req.url === '/v1/status') {
      reply(200, { ...options.agent.stats(), outbox: options.agent.outboxStats() });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/records') {
      reply(404, { error: 'POST /v1/records or GET /v1/status' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) {
        reply(413, { error: `body over ${MAX_BODY} bytes` });
        return;
      }
      chunks.push(chunk);
    }
    const lines = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const results = [];
    for (const line of lines) {
      const parsed = parseLocalLine(line);
      const result =
        'error' in parsed
          ? { ok: false as const, status: 'refused' as const, error: parsed.error }
          : await submitLocalRecord(options.agent, parsed.record);
      if (!result.ok) options.logger.warn({ via: 'http', error: result.error }, 'local record refused');
      results.push(result);
    }
    const status = results.some((r) => !r.ok && r.status === 'full')
      ? 503
      : results.every((r) => r.ok) && results.length > 0
        ? 202
        : 400;
    reply(status, { results });
  };
  return {
    async start() {
      server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          options.logger.error({ err: error }, 'local endpoint failed');
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(options.port, '127.0.0.1', resolve);
      });
      return (s.address() as AddressInfo).port;
    },
    async close() {
      const s = server;
      server = undefined;
      if (s) await new Promise((resolve) => s.close(resolve));
    },
  };
}
