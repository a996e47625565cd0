// End to end on real components: mqtt.js devices → the embedded aedes broker (authentication, access
// rules) → the ingest (write-ahead log, pipeline, batches) → the run's private influxd. The second part
// puts a permissive broker in front (plain aedes without access rules, as an external broker with
// looser rules would be) so that the refusals only the ingest can make are shown too.
import { startBareAedes, type BareAedes } from './bare-aedes.js';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalStack } from '../cli/index.js';
import { createV1Writer, type InfluxQl } from '../influx/index.js';
import { createIngest, createMqttSource } from '../ingest/index.js';
import type { Inventory } from '../protocol/index.js';
import { createOpsServer, silentLogger } from '../runtime/index.js';
import { testInventory, topicOf, type TestDevice } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { testStack } from './stack-helpers.js';
import { tempDirs } from './temp-dirs.js';

const influxUrl = inject('influxUrl');
const NOW = Date.now();
const DAY = 86_400_000;
let inventory: Inventory;
const { make: tempDir, removeAll: removeTempDirs } = tempDirs('loa-e2e-');

async function counts(ql: InfluxQl, q: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await ql.query(q)) {
    const key = Object.values(s.tags ?? {}).join('/') || s.name;
    out[key] = Number(s.values[0]?.[1] ?? 0);
  }
  return out;
}

beforeAll(async () => {
  inventory = await testInventory();
});

afterAll(async () => {
  await removeTempDirs();
});

describe('through the embedded broker', () => {
  let ql: Awaited<ReturnType<typeof freshDatabase>>;
  let stack: LocalStack;
  let brokerUrl: string;

  beforeAll(async () => {
    ql = await freshDatabase(influxUrl, 'e2e_embedded');
    stack = await testStack({
      influxUrl,
      database: ql.database,
      dir: await tempDir(),
      gzip: true,
      ingest: { selfMetricsIntervalMs: 100, instance: 'e2e' },
    });
    ({ brokerUrl } = await stack.start());
  });

  afterAll(async () => {
    await stack.stop();
    await ql.dropDatabase(ql.database);
    ql.close();
  });

  it('stores exactly the expected points and counts every refusal by reason', async () => {
    const devices: TestDevice[] = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];
    for (const device of devices) {
      const client = await connectDevice(brokerUrl, device);
      await publish(
        client,
        topicOf(device, 'meta'),
        { v: 1, ts: NOW, kind: device.endsWith('station') ? 'station' : 'cluster', firmware: '1.0.0' },
        true,
      );
      await publish(
        client,
        topicOf(device, 'state'),
        { v: 1, ts: NOW, online: true, session: 1, reason: 'boot' },
        true,
      );
      for (let seq = 1; seq <= 5; seq++) {
        await publish(client, topicOf(device, 'heartbeat'), {
          v: 1,
          ts: NOW - 60_000 + seq * 10_000,
          seq,
          uptime_s: seq * 10,
          power: 'mains',
          amp: 'on',
          volume_pct: 70,
        });
      }
      await publish(client, topicOf(device, 'broadcast'), {
        v: 1,
        id: `${device}-b1`,
        start: NOW - 3_600_000,
        end: NOW - 1_800_000,
        priority: 'normal',
        source: 'national',
        status: 'completed',
        program: 'Thời sự VOV',
      });
      await publish(client, topicOf(device, 'event'), { v: 1, ts: NOW - 5000, type: 'reboot' });
      await client.endAsync();
    }

    // Refusals the ingest makes on a device's own topics (the broker lets the topic through).
    const c01 = await connectDevice(brokerUrl, 'vinh-an-c01');
    const hb = { v: 1, ts: NOW, seq: 99, uptime_s: 1, power: 'mains', amp: 'on' };
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), '{"v":1,"ts":');
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), { ...hb, amp: 'loud' });
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: undefined });
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: NOW + 10 * 60_000 });
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: NOW - 40 * DAY });
    await publish(c01, topicOf('vinh-an-c01', 'event'), {
      v: 1,
      ts: NOW,
      type: 'tamper',
      detail: 'x'.repeat(4200),
    });
    // One more valid heartbeat after the bad ones: the stream was never blocked.
    await publish(c01, topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: NOW + 1000, seq: 100 });
    await c01.endAsync();

    await stack.ingest.idle();

    expect(await counts(ql, 'SELECT count("seq") FROM "heartbeat" GROUP BY "device"')).toEqual({
      'vinh-an-station': 5,
      'vinh-an-c01': 6,
      'vinh-an-c02': 5,
      'tan-lap-c01': 5,
    });
    expect(await counts(ql, 'SELECT count("session") FROM "presence"')).toEqual({ presence: 4 });
    expect(await counts(ql, 'SELECT count("firmware") FROM "device_meta"')).toEqual({ device_meta: 4 });
    expect(await counts(ql, 'SELECT count("id") FROM "broadcast"')).toEqual({ broadcast: 4 });
    expect(await counts(ql, 'SELECT count("count") FROM "event"')).toEqual({ event: 4 });
    expect(await counts(ql, 'SELECT count("detail") FROM "reject" GROUP BY "reason"')).toEqual({
      invalid_json: 1,
      schema: 2,
      ts_future: 1,
      ts_too_old: 1,
      payload_too_large: 1,
    });

    // The values survive the trip: tags from the inventory, the device's own time.
    const [series] = await ql.query(
      `SELECT "seq", "power", "volume_pct", "hamlet", "kind", "link" FROM "heartbeat" WHERE "device" = 'vinh-an-c02' ORDER BY time ASC LIMIT 1`,
    );
    expect(series?.values[0]).toEqual([NOW - 50_000, 1, 'mains', 70, 'an-thanh', 'cluster', 'wifi']);
    const [broadcast] = await ql.query(
      `SELECT "duration_s", "program" FROM "broadcast" WHERE "device" = 'tan-lap-c01'`,
    );
    expect(broadcast?.values[0]).toEqual([NOW - 3_600_000, 1800, 'Thời sự VOV']);

    // The same counts on /metrics, and a healthy /healthz, as an operator's scraper sees them.
    const ops = createOpsServer({
      host: '127.0.0.1',
      port: 0,
      collectors: [() => stack.ingest.collect()],
      health: stack.ingest.health,
    });
    const { url } = await ops.start();
    try {
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('loa_ingest_messages_rejected_total{reason="schema"} 2');
      expect(text).toContain('loa_ingest_messages_rejected_total{reason="wrong_place"} 0');
      expect(text).toContain('loa_ingest_messages_accepted_total{channel="heartbeat"} 21');
      expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, spilling: false });
    } finally {
      await ops.stop();
    }

    const stats = stack.ingest.stats();
    expect(stats.rejected).toBe(6);
    expect(stats.rejectedByReason.schema).toBe(2);
    expect(stats.accepted.heartbeat).toBe(21);
  });

  it('the ingest and the embedded broker write their own metrics to InfluxDB', async () => {
    const c01 = await connectDevice(brokerUrl, 'vinh-an-c01');
    await eventually(async () => {
      const [broker] = await ql.query(`SELECT last("connected") FROM "broker" WHERE "instance" = 'e2e'`);
      expect(broker?.values[0]?.[1]).toBe(1);
      const [ingest] = await ql.query(`SELECT last("received") FROM "ingest" WHERE "instance" = 'e2e'`);
      expect(Number(ingest?.values[0]?.[1])).toBeGreaterThan(0);
    }, 10_000);
    await c01.endAsync();
    // Self-metrics lines count as buffered until stored, like any line: once idle, nothing is.
    await stack.ingest.idle();
    expect(stack.ingest.stats().buffered).toBe(0);
  });

  it('the broker refuses what a device may not publish, and the ingest never sees it', async () => {
    // The broker's own presence records (connect, disconnect) still reach the ingest; telemetry does not.
    const telemetry = () => {
      const { accepted, rejected } = stack.ingest.stats();
      return { accepted, rejected };
    };
    const before = telemetry();
    const c01 = await connectDevice(brokerUrl, 'vinh-an-c01');
    const closed = new Promise<void>((resolve) => {
      c01.once('close', () => {
        resolve();
      });
    });
    c01.publish(topicOf('vinh-an-c02', 'heartbeat'), '{}', { qos: 1 });
    await closed;
    c01.end(true);
    expect(stack.broker.metrics().publishesRefused.other_device).toBe(1);
    expect(telemetry()).toEqual(before);
  });
});

describe('through a permissive external broker', () => {
  let ql: Awaited<ReturnType<typeof freshDatabase>>;
  let bare: BareAedes;

  beforeAll(async () => {
    ql = await freshDatabase(influxUrl, 'e2e_external');
    bare = await startBareAedes();
  });

  afterAll(async () => {
    await bare.close();
    await ql.dropDatabase(ql.database);
    ql.close();
  });

  it('rejects bad topics, unknown devices and devices out of place, and stores the rest', async () => {
    const { url } = bare;
    const ingest = createIngest({
      inventory,
      writer: createV1Writer({ url: influxUrl, database: ql.database, timeoutMs: 10_000, gzip: false }),
      walDir: join(await tempDir(), 'wal'),
      logger: silentLogger(),
      selfMetricsIntervalMs: 0,
      flushIntervalMs: 50,
    });
    await ingest.start();
    const source = createMqttSource({
      url,
      clientId: 'loa-ingest-e2e',
      accept: (t, p, r) => {
        ingest.accept(t, p, r);
      },
      logger: silentLogger(),
    });
    await source.start();

    const hb = { v: 1, ts: NOW, seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };
    const client = await mqtt.connectAsync(url, { clientId: 'anything' });
    const sends: [string, unknown][] = [
      ['loa/v1/an-giang/vinh-an/heartbeat', hb], // bad_topic: a level missing
      ['loa/v1/an-giang/Vinh-An/vinh-an-c01/heartbeat', hb], // bad_topic: not a slug
      [topicOf('vinh-an-c01', 'status'), hb], // unknown_channel
      ['loa/v1/an-giang/vinh-an/ghost-07/heartbeat', hb], // unknown_device
      ['loa/v1/an-giang/tan-lap/vinh-an-c01/heartbeat', hb], // wrong_place
      ['loa/v1/an-giang/vinh-an/_platform/alert', { v: 1 }], // ignored: platform output
      [topicOf('vinh-an-c01', 'heartbeat'), hb], // valid
    ];
    for (const [topic, payload] of sends) await publish(client, topic, payload);
    await client.endAsync();

    await eventually(() => {
      expect(ingest.stats().received).toBe(sends.length);
    });
    await ingest.idle();
    expect(await counts(ql, 'SELECT count("detail") FROM "reject" GROUP BY "reason"')).toEqual({
      bad_topic: 2,
      unknown_channel: 1,
      unknown_device: 1,
      wrong_place: 1,
    });
    expect(await counts(ql, 'SELECT count("seq") FROM "heartbeat"')).toEqual({ heartbeat: 1 });
    expect(ingest.stats().ignored).toBe(1);
    await source.stop();
    await ingest.stop();
  });
});
