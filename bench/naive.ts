// The naive baseline of DESIGN §8, run on the same machine in the same benchmark: what a flow such as
// Node-RED's "mqtt in → function → influxdb out" does — a plain broker, one subscriber, and one HTTP
// write per message through the `influx` client — under the same fleet and load generator.
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';
import { InfluxDB } from 'influx';
import mqtt, { type MqttClient } from 'mqtt';
import { createLoad } from './load.js';

export interface NaiveResult {
  acked: number;
  stored: number;
  storedRate: number;
  writeErrors: number;
}

export async function naiveBaseline({
  influxUrl,
  topics,
  seconds,
}: {
  influxUrl: string;
  topics: readonly string[];
  seconds: number;
}): Promise<NaiveResult> {
  const url = new URL(influxUrl);
  const influx = new InfluxDB({ host: url.hostname, port: Number(url.port), database: 'naive' });
  await influx.createDatabase('naive');
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const brokerUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: MqttClient[] = [];
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
              measurement: 'heartbeat',
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
    const devices = clients.slice(1);
    const load = createLoad({ clients: devices, topics }, Date.now() - 3_600_000);
    const start = Date.now();
    const { acked } = await load(seconds);
    let stored = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await influx.query<{ count: number }>('SELECT count("seq") FROM "heartbeat"');
      stored = rows[0]?.count ?? 0;
      if (stored + writeErrors >= acked || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    return { acked, stored, storedRate: stored / ((Date.now() - start) / 1000), writeErrors };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
    await new Promise<void>((resolve) => {
      aedes.close(() => {
        resolve();
      });
    });
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await influx.dropDatabase('naive');
  }
}
