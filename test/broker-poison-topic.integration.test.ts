// Issue #14, point 4: a message under a device's own prefix on a topic that is not one of its channels
// is acknowledged (else a device with an outbox resends it first at every reconnect, for ever), and the
// ingest keeps the refusal with its reason (docs/protocol.md §9); the connection stays up.
import { expect, inject, it } from 'vitest';
import { topicOf } from './fixtures/province.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { stackForFile } from './stack-helpers.js';

const influxUrl = inject('influxUrl');
const file = stackForFile(influxUrl, 'poison_topic');
const OWN = 'loa/v1/an-giang/vinh-an/vinh-an-c01';

it('acknowledges and records an unknown channel or an extra level, and keeps the connection', async () => {
  const device = await connectDevice(file.brokerUrl, 'vinh-an-c01');
  device.on('error', () => undefined);
  let closes = 0;
  device.on('close', () => closes++);
  const heartbeat = { v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };
  for (const topic of [`${OWN}/diag`, `${OWN}/Heartbeat`, `${OWN}/heartbeat/extra`]) {
    await publish(device, topic, heartbeat);
  }
  await publish(device, topicOf('vinh-an-c01', 'heartbeat'), heartbeat);
  expect(closes).toBe(0);
  await file.stack.ingest.idle();
  const reasons = await eventually(async () => {
    const [series] = await file.ql.query('SELECT "topic", "reason" FROM "reject" ORDER BY time');
    const values = series?.values ?? [];
    expect(values).toHaveLength(3);
    return values.map((v) => [v[1], v[2]]);
  }, 10_000);
  expect(reasons).toEqual([
    [`${OWN}/diag`, 'unknown_channel'],
    [`${OWN}/Heartbeat`, 'unknown_channel'],
    [`${OWN}/heartbeat/extra`, 'bad_topic'],
  ]);
  const [stored] = await file.ql.query('SELECT count("seq") FROM "heartbeat"');
  expect(stored?.values[0]?.[1]).toBe(1);
  await device.endAsync();
});
