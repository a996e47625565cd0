// The one-machine stack (embedded broker + ingest) on port 0, writing to a test's own database, as the
// integration tests run it.
import { join } from 'node:path';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '../cli/index.js';
import { createV1Writer } from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { testInventory } from './fixtures/province.js';

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
