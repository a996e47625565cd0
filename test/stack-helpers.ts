// The one-machine stack (embedded broker + ingest) on port 0, writing to a test's own database, as the
// integration tests run it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '../cli/index.js';
import { createV1Writer } from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { testInventory } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';

export async function testStack({
  influxUrl,
  database,
  dir,
  gzip = false,
  ingest = {},
}: {
  influxUrl: string;
  database: string;
  /** A temporary folder of the test: the write-ahead log goes under it. */
  dir: string;
  gzip?: boolean;
  ingest?: LocalStackOptions['ingest'];
}): Promise<LocalStack> {
  return createLocalStack({
    inventory: await testInventory(),
    writer: createV1Writer({ url: influxUrl, database, timeoutMs: 10_000, gzip }),
    walDir: join(dir, 'wal'),
    logger: silentLogger(),
    mqtt: { host: '127.0.0.1', port: 0 },
    ingest: { selfMetricsIntervalMs: 0, flushIntervalMs: 50, ...ingest },
  });
}

export interface FileStack {
  dir: string;
  ql: Awaited<ReturnType<typeof freshDatabase>>;
  stack: LocalStack;
  brokerUrl: string;
}

/**
 * A started stack for the whole test file: a temporary folder and a fresh database `name` before its
 * tests, all stopped and removed after them. The fields are set in beforeAll: read them inside tests.
 */
export function stackForFile(influxUrl: string, name: string): FileStack {
  const ctx = {} as FileStack;
  beforeAll(async () => {
    ctx.dir = await mkdtemp(join(tmpdir(), `loa-${name.replace(/_/g, '-')}-`));
    ctx.ql = await freshDatabase(influxUrl, name);
    ctx.stack = await testStack({ influxUrl, database: ctx.ql.database, dir: ctx.dir });
    ({ brokerUrl: ctx.brokerUrl } = await ctx.stack.start());
  });
  afterAll(async () => {
    await ctx.stack.stop();
    await ctx.ql.dropDatabase(ctx.ql.database);
    ctx.ql.close();
    await rm(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}
