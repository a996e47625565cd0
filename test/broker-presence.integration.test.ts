// Issue #3, point 3: presence from the broker's side goes through the ingest's write-ahead log, like
// telemetry, and lands in InfluxDB as `broker_presence` points (docs/protocol.md §10).
import { expect, inject, it } from 'vitest';
import { connectDevice } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { stackForFile } from './stack-helpers.js';

const influxUrl = inject('influxUrl');
const file = stackForFile(influxUrl, 'broker_presence');

it('stores connects, a takeover and a clean close as broker_presence points, each once', async () => {
  const first = await connectDevice(file.brokerUrl, 'vinh-an-c01');
  first.on('error', () => undefined);
  const second = await connectDevice(file.brokerUrl, 'vinh-an-c01'); // takes the session over
  await second.endAsync();
  await first.endAsync(true);
  await file.stack.ingest.idle();
  const rows = await eventually(async () => {
    const [series] = await file.ql.query(
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
  expect(await file.ql.query('SELECT count("online") FROM "presence"')).toEqual([]);
});
