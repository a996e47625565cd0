// Issue #3, point 3: presence from the broker's side goes through the ingest's write-ahead log, like
// telemetry, and lands in InfluxDB as `broker_presence` points (docs/protocol.md §10).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { LocalStack } from '../cli/index.js';
import type { InfluxQl } from '../influx/index.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, eventually } from './mqtt-helpers.js';
import { testStack } from './stack-helpers.js';

const influxUrl = inject('influxUrl');
let dir: string;
let ql: InfluxQl & { database: string };
let stack: LocalStack;
let brokerUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-broker-presence-'));
  ql = await freshDatabase(influxUrl, 'broker_presence');
  stack = await testStack({ influxUrl, database: ql.database, dir });
  ({ brokerUrl } = await stack.start());
});

afterAll(async () => {
  await stack.stop();
  await ql.dropDatabase(ql.database);
  ql.close();
  await rm(dir, { recursive: true, force: true });
});

it('stores connects, a takeover and a clean close as broker_presence points, each once', async () => {
  const first = await connectDevice(brokerUrl, 'vinh-an-c01');
  first.on('error', () => undefined);
  const second = await connectDevice(brokerUrl, 'vinh-an-c01'); // takes the session over
  await second.endAsync();
  await first.endAsync(true);
  await stack.ingest.idle();
  const rows = await eventually(async () => {
    const [series] = await ql.query(
      `SELECT "online", "reason", "device", "province", "commune" FROM "broker_presence" ORDER BY time`,
    );
    const values = series?.values ?? [];
    expect(values).toHaveLength(4);
    return values;
  }, 10_000);
  expect(rows.map((r) => [r[1], r[2]])).toEqual([
    [true, 'connect'],
    [false, 'takeover'],
    [true, 'connect'],
    [false, 'client_close'],
  ]);
  expect(rows.every((r) => r[3] === 'vinh-an-c01' && r[4] === 'an-giang' && r[5] === 'vinh-an')).toBe(true);
  // The device's own presence measurement is untouched: the broker's word is kept apart.
  expect(await ql.query('SELECT count("online") FROM "presence"')).toEqual([]);
});
