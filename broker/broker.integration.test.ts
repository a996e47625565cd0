import mqtt, { ErrorWithSubackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Inventory, hashSecret, inventoryFileSchema } from '../protocol/index.js';
import { recordingLogger } from '../runtime/index.js';
import { createBroker, type Broker, type ServiceAccount } from './index.js';
import { until } from '../test/wait.js';

const CHEAP = { N: 1024, r: 8, p: 1 };
const SECRETS = {
  'vinh-an-c01': 'c01-secret',
  'vinh-an-c02': 'c02-secret',
  'binh-hoa-c01': 'bh-secret',
  'loa-ingest': 'ingest-secret',
  console: 'console-secret',
  'console-an-giang': 'province-console-secret',
} as const;
type Account = keyof typeof SECRETS;
const CLOCK = 1_750_000_000_000;

const C01 = 'loa/v1/an-giang/vinh-an/vinh-an-c01';
const C02 = 'loa/v1/an-giang/vinh-an/vinh-an-c02';
const HEARTBEAT = JSON.stringify({ v: 1, ts: CLOCK, seq: 1, uptime_s: 10, power: 'mains', amp: 'on' });

interface Accepted {
  topic: string;
  payload: string;
  receivedAt: number;
}

let inventory: Inventory;
let serviceAccounts: ServiceAccount[];

beforeAll(async () => {
  const hash = (id: Account) => hashSecret(SECRETS[id], CHEAP);
  const content = inventoryFileSchema.parse({
    province: { id: 'an-giang', name: 'An Giang' },
    communes: [
      {
        id: 'vinh-an',
        name: 'Xã Vĩnh An',
        hamlets: [
          { id: 'an-hoa', name: 'Ấp An Hòa' },
          { id: 'an-thanh', name: 'Ấp An Thạnh' },
        ],
        devices: [
          {
            id: 'vinh-an-c01',
            kind: 'cluster',
            hamlets: ['an-hoa'],
            link: '4g',
            secret: await hash('vinh-an-c01'),
          },
          {
            id: 'vinh-an-c02',
            kind: 'cluster',
            hamlets: ['an-hoa'],
            link: '4g',
            secret: await hash('vinh-an-c02'),
          },
          { id: 'vinh-an-fm02', kind: 'cluster', hamlets: ['an-thanh'], link: 'fm' },
        ],
      },
      {
        id: 'binh-hoa',
        name: 'Xã Bình Hòa',
        hamlets: [{ id: 'binh-my', name: 'Ấp Bình Mỹ' }],
        devices: [
          {
            id: 'binh-hoa-c01',
            kind: 'cluster',
            hamlets: ['binh-my'],
            link: '4g',
            secret: await hash('binh-hoa-c01'),
          },
        ],
      },
    ],
  });
  inventory = Inventory.fromFiles([{ file: 'an-giang.yaml', content }]);
  serviceAccounts = [
    { username: 'loa-ingest', secretHash: await hash('loa-ingest'), role: 'ingest' },
    { username: 'console', secretHash: await hash('console'), role: 'reader' },
    {
      username: 'console-an-giang',
      secretHash: await hash('console-an-giang'),
      role: 'reader',
      province: 'an-giang',
    },
  ];
});

/** Each test gets its own broker on a free port and closes it, with every client, afterwards. */
let broker: Broker;
let url: string;
let accepted: Accepted[];
/** Events in the order they happened, across the broker and the clients (all in this process). */
let timeline: string[];
/** Set by a test to make the durability hook throw. */
let failAccept: (() => boolean) | undefined;
let logged: { level: string; msg: string | undefined }[];
const clients: MqttClient[] = [];

const logger = recordingLogger(({ level, msg }) => {
  logged.push({ level, msg });
});

beforeEach(async () => {
  accepted = [];
  timeline = [];
  logged = [];
  failAccept = undefined;
  broker = createBroker({
    inventory,
    serviceAccounts,
    port: 0,
    logger,
    now: () => CLOCK,
    onAccepted: (topic, payload, receivedAt) => {
      if (failAccept?.()) throw new Error('disk full');
      accepted.push({ topic, payload: payload.toString('utf8'), receivedAt });
      timeline.push(`accepted ${topic}`);
    },
  });
  ({ url } = await broker.start());
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker.stop();
});

function options(account: string, extra: IClientOptions = {}): IClientOptions {
  return {
    clientId: account,
    username: account,
    password: (SECRETS as Record<string, string>)[account] ?? 'whatever',
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  };
}

function nextEvent(client: MqttClient, event: 'connect' | 'close'): Promise<void> {
  return new Promise((resolve) => {
    client.once(event, () => {
      resolve();
    });
  });
}

/** Connects; the client is ended after the test. */
async function connect(account: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, options(account, extra));
  clients.push(client);
  client.on('error', () => undefined);
  await nextEvent(client, 'connect');
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'puback') timeline.push(`puback ${account}`);
  });
  return client;
}

/** The CONNACK return code of a refused connection. */
async function refusal(extra: IClientOptions & { clientId?: string; username?: string }): Promise<number> {
  const client = mqtt.connect(url, { ...options('vinh-an-c01'), ...extra });
  clients.push(client);
  const error = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve));
  return error.code ?? -1;
}

/** The SUBACK return codes (128 = refused); mqtt.js rejects when any filter is refused. */
async function subscribe(client: MqttClient, filters: string[]): Promise<unknown[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (error) {
    if (error instanceof ErrorWithSubackPacket) return error.packet.granted;
    throw error;
  }
}

describe('authentication', () => {
  it('connects a device with the right secret and counts it', async () => {
    const client = await connect('vinh-an-c01');
    expect(client.connected).toBe(true);
    expect(broker.metrics()).toMatchObject({ connectedClients: 1, connectionsTotal: 1 });
    await client.endAsync();
    await until(() => broker.metrics().connectedClients === 0, 5000, 'the disconnect');
    expect(broker.metrics()).toMatchObject({ connectionsTotal: 1, disconnectionsTotal: 1 });
  });

  it('refuses bad credentials with the right CONNACK code and counts each reason', async () => {
    expect(await refusal({ password: 'wrong' })).toBe(4);
    expect(await refusal({ clientId: 'ghost', username: 'ghost' })).toBe(4);
    expect(await refusal({ clientId: 'vinh-an-fm02', username: 'vinh-an-fm02' })).toBe(5);
    expect(await refusal({ clientId: 'vinh-an-c02' })).toBe(2);
    expect(await refusal({ username: undefined, password: undefined })).toBe(4);
    const metrics = broker.metrics();
    expect(metrics.authFailures).toMatchObject({
      bad_secret: 1,
      unknown_user: 1,
      unmonitored: 1,
      client_id_mismatch: 1,
      missing_credentials: 1,
    });
    expect(metrics.connectionsTotal).toBe(0);
    expect(metrics.connectedClients).toBe(0);
  });
});

describe('device publications', () => {
  it('hands a publication to onAccepted before the device receives its PUBACK', async () => {
    const client = await connect('vinh-an-c01');
    await client.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 });
    await client.publishAsync(`${C01}/state`, '{"v":1,"online":true,"session":1}', { qos: 1, retain: true });
    expect(timeline).toEqual([
      `accepted ${C01}/heartbeat`,
      'puback vinh-an-c01',
      `accepted ${C01}/state`,
      'puback vinh-an-c01',
    ]);
    expect(accepted[0]).toEqual({ topic: `${C01}/heartbeat`, payload: HEARTBEAT, receivedAt: CLOCK });
    expect(broker.metrics().publishesAccepted).toBe(2);
  });

  it.each([
    ['another device', `${C02}/heartbeat`, false, 'other_device'],
    ['another commune', 'loa/v1/an-giang/binh-hoa/vinh-an-c01/heartbeat', false, 'wrong_place'],
    ['the platform', 'loa/v1/an-giang/vinh-an/_platform/alert', false, 'platform'],
    ['$SYS', '$SYS/fake/heartbeat', false, 'reserved'],
  ] as const)(
    'disconnects a device publishing to %s while others keep working',
    async (_, topic, retain, reason) => {
      const good = await connect('vinh-an-c02');
      const bad = await connect('vinh-an-c01');
      const closed = nextEvent(bad, 'close');
      bad.publish(topic, HEARTBEAT, { qos: 1, retain }, () => undefined);
      await closed;
      await good.publishAsync(`${C02}/heartbeat`, HEARTBEAT, { qos: 1 });
      expect(accepted.map((a) => a.topic)).toEqual([`${C02}/heartbeat`]);
      expect(timeline).not.toContain('puback vinh-an-c01');
      expect(good.connected).toBe(true);
      expect(broker.metrics().publishesRefused[reason]).toBe(1);
    },
  );

  // Issue #14, point 4: a refusal closes the connection without a PUBACK, and a device with an outbox
  // sends the same message first at every reconnect, for ever. Under its own prefix it is acknowledged,
  // and the ingest refuses it with its reason (test/broker-poison-topic.integration.test.ts).
  it.each([
    ['an unknown channel', `${C01}/diag`, false],
    ['a channel in the wrong case', `${C01}/Heartbeat`, false],
    ['an extra level', `${C01}/heartbeat/extra`, false],
    ['a retained heartbeat', `${C01}/heartbeat`, true],
  ] as const)('acknowledges %s under its own prefix and keeps the connection', async (_, topic, retain) => {
    const client = await connect('vinh-an-c01');
    const closed = nextEvent(client, 'close').then(() => {
      throw new Error('the broker closed the connection');
    });
    await Promise.race([client.publishAsync(topic, HEARTBEAT, { qos: 1, retain }), closed]);
    await client.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 });
    expect(client.connected).toBe(true);
    expect(accepted.map((a) => a.topic)).toEqual([topic, `${C01}/heartbeat`]);
    // Nothing is retained but state and meta.
    const reader = await connect('console');
    const retained: string[] = [];
    reader.on('message', (t) => retained.push(t));
    await subscribe(reader, [`${C01}/#`]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(retained).toEqual([]);
  });

  it('does not acknowledge what onAccepted could not keep; the resend is', async () => {
    let failures = 0;
    failAccept = () => failures++ === 0;
    const client = await connect('vinh-an-c01', { reconnectPeriod: 50 });
    let acked = false;
    const sent = client.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 }).then(() => {
      acked = true;
    });
    await nextEvent(client, 'close');
    expect(acked).toBe(false);
    expect(timeline).toEqual([]);
    expect(broker.metrics().publishesRefused.durability).toBe(1);
    expect(logged).toContainEqual({ level: 'error', msg: 'durability hook failed' });
    // mqtt.js keeps the unacknowledged message and sends it again after reconnecting.
    await sent;
    expect(timeline).toEqual([`accepted ${C01}/heartbeat`, 'puback vinh-an-c01']);
  });
});

describe('wills', () => {
  const will = (topic: string) => ({
    will: {
      topic,
      payload: Buffer.from('{"v":1,"online":false,"session":3,"reason":"lost"}'),
      qos: 1 as const,
      retain: true,
    },
  });

  it('hands the Will of a lost connection to onAccepted', async () => {
    const client = await connect('vinh-an-c01', will(`${C01}/state`));
    client.stream.destroy();
    await until(() => accepted.length === 1, 5000, 'the will');
    expect(accepted[0]).toEqual({
      topic: `${C01}/state`,
      payload: '{"v":1,"online":false,"session":3,"reason":"lost"}',
      receivedAt: CLOCK,
    });
    expect(broker.metrics()).toMatchObject({ willsAccepted: 1, publishesAccepted: 1 });
  });

  it('refuses a Will on a topic the device may not publish', async () => {
    const client = await connect('vinh-an-c01', will(`${C02}/state`));
    client.stream.destroy();
    await until(() => broker.metrics().publishesRefused.other_device === 1, 5000, 'the refusal');
    expect(accepted).toEqual([]);
  });

  it('publishes no Will after a clean disconnect', async () => {
    const client = await connect('vinh-an-c01', will(`${C01}/state`));
    await client.endAsync();
    await until(() => broker.metrics().connectedClients === 0, 5000, 'the disconnect');
    expect(accepted).toEqual([]);
  });

  it('holds Wills back when the broker stops', async () => {
    await connect('vinh-an-c01', will(`${C01}/state`));
    await broker.stop();
    expect(accepted).toEqual([]);
    expect(broker.metrics().publishesRefused.stopping).toBe(1);
  });
});

describe('subscriptions', () => {
  it('lets a service account read every device and the ingest publish alerts', async () => {
    const reader = await connect('console');
    expect(await subscribe(reader, ['loa/v1/#', '$SYS/#'])).toEqual([1, 128]);
    const received: string[] = [];
    reader.on('message', (topic) => received.push(topic));

    const device = await connect('vinh-an-c01');
    await device.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 });
    const ingest = await connect('loa-ingest', { clientId: 'loa-ingest-1' });
    await ingest.publishAsync('loa/v1/an-giang/vinh-an/_platform/alert', '{}', { qos: 1 });
    await until(() => received.length === 2, 5000, 'both messages');
    expect(received).toEqual([`${C01}/heartbeat`, 'loa/v1/an-giang/vinh-an/_platform/alert']);
    // Platform output is not device telemetry: it does not go through the durability hook.
    expect(accepted.map((a) => a.topic)).toEqual([`${C01}/heartbeat`]);
    expect(broker.metrics().subscriptionsRefused.not_allowed).toBe(1);
  });

  it('confines a province console to its province, read-only', async () => {
    const provincial = await connect('console-an-giang');
    expect(await subscribe(provincial, ['loa/v1/#', 'loa/v1/+/vinh-an/#', 'loa/v1/kien-giang/#'])).toEqual([
      128, 128, 128,
    ]);
    expect(await subscribe(provincial, ['loa/v1/an-giang/#'])).toEqual([1]);
    const received = new Promise<string>((resolve) => provincial.once('message', resolve));
    const device = await connect('vinh-an-c01');
    await device.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 });
    expect(await received).toBe(`${C01}/heartbeat`);
    const closed = nextEvent(provincial, 'close');
    provincial.publish('loa/v1/an-giang/vinh-an/_platform/alert', '{}', { qos: 1 }, () => undefined);
    await closed;
    expect(broker.metrics().publishesRefused.role).toBe(1);
  });

  it('queues what the broker publishes for a persistent session that is away (presence to an ingest)', async () => {
    const topic = 'loa/v1/an-giang/vinh-an/_platform/broker-presence';
    const session = { clientId: 'loa-ingest-1', clean: false };
    const first = await connect('loa-ingest', session);
    expect(await subscribe(first, ['loa/v1/#'])).toEqual([1]);
    await first.endAsync();
    broker.publish(topic, Buffer.from('{"while":"away"}'));
    const again = mqtt.connect(url, options('loa-ingest', session));
    clients.push(again);
    const message = await new Promise<[string, string]>((resolve) =>
      again.once('message', (t, payload) => {
        resolve([t, payload.toString()]);
      }),
    );
    expect(message).toEqual([topic, '{"while":"away"}']);
    // The broker's own output does not pass the device rules or the durability hook.
    expect(accepted).toEqual([]);
  });

  it('refuses device telemetry from a service account', async () => {
    const ingest = await connect('loa-ingest');
    const closed = nextEvent(ingest, 'close');
    ingest.publish(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 }, () => undefined);
    await closed;
    expect(broker.metrics().publishesRefused.role).toBe(1);
    expect(accepted).toEqual([]);
  });

  it('caps the subscriptions of one client and the length of a filter, and counts refusals (issue #14, point 6)', async () => {
    const device = await connect('vinh-an-c01');
    const filters = Array.from({ length: 150 }, (_, i) => `${C01}/cmd/x${i}`);
    const granted: unknown[] = [];
    for (let i = 0; i < filters.length; i += 50)
      granted.push(...(await subscribe(device, filters.slice(i, i + 50))));
    expect(granted.filter((g) => g === 1)).toHaveLength(100);
    expect(granted.slice(100).every((g) => g === 128)).toBe(true);
    // The same filter again is no new subscription; an unsubscription frees its place.
    expect(await subscribe(device, [filters[0] as string])).toEqual([1]);
    await device.unsubscribeAsync(filters.slice(0, 10));
    expect(await subscribe(device, filters.slice(100, 110))).toEqual(Array(10).fill(1));
    expect(await subscribe(device, [`${C01}/cmd/${'x'.repeat(600)}`])).toEqual([128]);
    expect(device.connected).toBe(true);
    expect(broker.metrics().subscriptionsRefused).toEqual({
      not_allowed: 0,
      too_many: 50,
      topic_too_long: 1,
    });
  });

  it('confines a device to its own command topics without disconnecting it', async () => {
    const device = await connect('vinh-an-c01');
    expect(await subscribe(device, [`${C01}/cmd/#`, 'loa/v1/#', `${C02}/cmd/#`])).toEqual([1, 128, 128]);
    expect(device.connected).toBe(true);
    await device.publishAsync(`${C01}/heartbeat`, HEARTBEAT, { qos: 1 });
  });
});
