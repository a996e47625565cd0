import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parse } from 'yaml';
import { ConfigError } from './config.js';

/**
 * `loa agent log`: hands broadcast and event records to the running agent through its local HTTP
 * endpoint (docs/agent.md §5), for playout software that can run a command. Records come as arguments
 * (one JSON object each) or, without any, as JSON lines on stdin. Prints one line per record and
 * exits 1 if any was refused, 75 (EX_TEMPFAIL) if the outbox was full or the agent not reachable.
 */
export async function runAgentLog(options: {
  config?: string;
  url?: string;
  records: string[];
}): Promise<number> {
  const url = options.url ?? endpointFromConfig(options.config);
  const body = options.records.length > 0 ? options.records.join('\n') : await readStdin();
  let response: { status: number; text: string };
  try {
    response = await post(new URL('/v1/records', url), body);
  } catch (error) {
    process.stderr.write(`agent not reachable at ${url}: ${(error as Error).message}\n`);
    return 75;
  }
  const reply = JSON.parse(response.text) as { results?: { ok: boolean; error?: string }[]; error?: string };
  if (!reply.results) {
    process.stderr.write(`agent answered ${response.status}: ${reply.error ?? ''}\n`);
    return 1;
  }
  reply.results.forEach((r, i) => {
    process.stdout.write(
      r.ok ? `record ${i + 1}: accepted\n` : `record ${i + 1}: refused: ${r.error ?? ''}\n`,
    );
  });
  if (response.status === 503) return 75;
  return response.status === 202 ? 0 : 1;
}

function endpointFromConfig(file: string | undefined): string {
  if (file === undefined) throw new ConfigError("give --config (the agent's file) or --url");
  let port: unknown;
  try {
    // Only the port is needed: the file is read without resolving its secret, which this user may not see.
    const config = parse(readFileSync(file, 'utf8')) as { local?: { httpPort?: unknown } } | null;
    port = config?.local?.httpPort;
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0) {
    throw new ConfigError(`${file}: local.httpPort: set a fixed port to use \`loa agent log\``);
  }
  return `http://127.0.0.1:${port}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * node:http, not fetch: fetch's HTTP parser is WebAssembly, which `loa-agent` (run with --lite-mode,
 * hence without a JIT) does not have.
 */
function post(url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
