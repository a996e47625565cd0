// The naive baseline of docs/design.md#targets, run on the same machine in the same benchmark: what a flow such as
// Node-RED's "mqtt in → function → influxdb out" does — a plain broker, one subscriber, and one HTTP
// write per message through the `influx` client — under the same fleet and load generator.
import { InfluxDB } from 'influx';
import mqtt, { type MqttClient } from 'mqtt';
import { createInfluxQl } from '../influx/index.js';
import { HEARTBEAT } from '../protocol/index.js';
import { createPublishLoop } from '../simulator/index.js';
import { startBareAedes } from '../test/bare-aedes.js';
import { latencyProbe, type LatencyResult } from './latency.js';
import { median } from './stats.js';

export interface NaiveResult {
  acked: number;
  stored: number;
  /** Median over the runs of the points stored per second, from first publish to last point stored. */
  storedRate: number;
  storedRates: number[];
  writeErrors: number;
  /** Publish → queryable at the same rate as Loa's probe (bench/latency.ts). */
  latency: LatencyResult;
}

export async function naiveBaseline({
  influxUrl,
  topics,
  seconds,
  runs,
  latencyRate = 5_000,
}: {
  influxUrl: string;
  topics: readonly string[];
  seconds: number;
  runs: number;
  latencyRate?: number;
}): Promise<NaiveResult> {
  const url = new URL(influxUrl);
  const influx = new InfluxDB({ host: url.hostname, port: Number(url.port), database: 'naive' });
  await influx.createDatabase('naive');
  const bare = await startBareAedes();
  const brokerUrl = bare.url;
  const clients: MqttClient[] = [];
  const probeQl = createInfluxQl({ url: influxUrl, database: 'naive' });
  let writeErrors = 0;
  try {
    const consumer = await mqtt.connectAsync(brokerUrl, { clientId: 'naive-consumer' });
    clients.push(consumer);
    consumer.on('message', (topic, payload) => {
      const m = JSON.parse(payload.toString()) as Record<string, number | string>;
      const device = topic.split('/')[4] ?? '';
      // One write per message, not awaited: the flow keeps reading while writes pile up.
      influx
        .writePoints(
          [
            {
              measurement: HEARTBEAT.name,
              tags: { device },
              fields: { seq: m.seq, uptime_s: m.uptime_s, power: m.power, amp: m.amp },
              timestamp: String(m.ts),
            },
          ],
          { precision: 'ms' },
        )
        .catch(() => {
          writeErrors++;
        });
    });
    await consumer.subscribeAsync('loa/v1/#', { qos: 1 });
    for (let i = 0; i < topics.length; i++) {
      clients.push(await mqtt.connectAsync(brokerUrl, { clientId: `naive-${i}`, reconnectPeriod: 0 }));
    }
    // The same load generator as the stack under test: one connection per device.
    const probe = latencyProbe(probeQl, topics[0]?.split('/')[4] ?? '');
    const fleet = { connections: clients.slice(1).map((client, i) => ({ client, devices: [i] })), topics };
    const loop = createPublishLoop(fleet, {
      baseTs: Date.now() - 3_600_000,
      onPublish: (device, seq) => {
        if (device === 0) probe.publishedAt.set(seq, performance.now());
      },
    });
    const count = async () =>
      (
        await influx.query<{ count: number }>(
          `SELECT count("${HEARTBEAT.field.seq}") FROM "${HEARTBEAT.name}"`,
        )
      )[0]?.count ?? 0;
    /** Waits until `expected` points are stored or failed, a minute at most; returns those stored. */
    const drained = async (expected: number) => {
      const deadline = Date.now() + 60_000;
      let stored = await count();
      while (stored + writeErrors < expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        stored = await count();
      }
      return stored;
    };
    let acked = 0;
    let stored = 0;
    const storedRates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = Date.now();
      const run = await loop.run(seconds);
      acked += run.acked;
      const now = await drained(acked);
      storedRates.push((now - stored) / ((Date.now() - start) / 1000));
      stored = now;
    }
    const latency = await probe.measure({
      loop,
      rate: latencyRate,
      seconds,
      runs,
      drained: (published) => drained(acked + published),
    });
    acked += latency.acked;
    stored = await drained(acked);
    return { acked, stored, storedRate: median(storedRates), storedRates, writeErrors, latency };
  } finally {
    probeQl.close();
    await Promise.all(clients.map((c) => c.endAsync()));
    await bare.close();
    await influx.dropDatabase('naive');
  }
}
