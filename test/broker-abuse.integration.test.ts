// Issue #3, points 3, 4 and 7: the embedded broker against misbehaving and hostile clients. Each bad
// input is refused, counted on /metrics, logged once with its reason, and the broker keeps serving a
// well-behaved device throughout. Presence as the broker sees it is recorded with each reason.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerMetricFamilies,
  createBroker,
  DEFAULT_BROKER_LIMITS,
  type Broker,
  type BrokerLimits,
  type PresenceEvent,
} from '../broker/index.js';
import { Inventory } from '../protocol/index.js';
import { MetricsRegistry, recordingLogger } from '../runtime/index.js';
import { SECRETS, testInventory, topicOf } from './fixtures/province.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';
import { connectPacket, publishPacket, rawClient, type RawClient } from './raw-mqtt.js';

const HEARTBEAT = { v: 1, ts: Date.now(), seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };
const C01 = 'vinh-an-c01';
/** Another loopback address: a remote host other than the device's. */
const GUESSER = '127.0.0.2';

let inventory: Inventory;
let broker: Broker;
let url: string;
let logged: { level: string; msg: string | undefined }[];
let presence: PresenceEvent[];
let accepted: string[];
const clients: MqttClient[] = [];
const raws: RawClient[] = [];

beforeAll(async () => {
  inventory = await testInventory();
});

const logger = recordingLogger(({ level, msg }) => {
  logged.push({ level, msg });
});

async function startBroker(limits: Partial<BrokerLimits> = {}): Promise<void> {
  logged = [];
  presence = [];
  accepted = [];
  broker = createBroker({
    inventory,
    port: 0,
    logger,
    limits,
    onAccepted: (topic) => accepted.push(topic),
    onPresence: (event) => presence.push(event),
  });
  ({ url } = await broker.start());
}

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.socket.destroy();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker.stop();
});

async function device(id: 'vinh-an-c01' | 'vinh-an-c02' | 'tan-lap-c01', extra = {}): Promise<MqttClient> {
  const client = await connectDevice(url, id, { protocolVersion: 4, ...extra });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

async function raw(localAddress?: string): Promise<RawClient> {
  const client = await rawClient(url, localAddress);
  raws.push(client);
  return client;
}

/** A raw client logged in as vinh-an-c01. */
async function rawDevice(keepaliveS = 60): Promise<RawClient> {
  const client = await raw();
  client.send(connectPacket(C01, C01, 'c01-secret', keepaliveS));
  expect(await client.connack()).toBe(0);
  return client;
}

/** The good citizen: still served after the abuse. */
async function stillServes(): Promise<void> {
  const good = await device('vinh-an-c02');
  await publish(good, topicOf('vinh-an-c02', 'heartbeat'), HEARTBEAT);
  expect(accepted).toContain(topicOf('vinh-an-c02', 'heartbeat'));
}

function logLines(msg: string): number {
  return logged.filter((l) => l.msg === msg).length;
}

describe('bad input is refused, counted, logged once, and others are still served', () => {
  it('garbage instead of MQTT', async () => {
    await startBroker();
    for (let i = 0; i < 3; i++) {
      const client = await raw();
      client.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      await client.closed;
    }
    await eventually(() => {
      expect(broker.metrics().connectionsRefused.protocol_error).toBe(3);
    }, 5000);
    expect(logLines('connection closed: protocol error')).toBe(1);
    await stillServes();
  });

  it('a packet over the size limit is cut off at its header', async () => {
    await startBroker();
    const client = await rawDevice();
    // Announces a 1 MB PUBLISH; sends only the start of it.
    client.send(Buffer.from([0x32, 0x80, 0x80, 0x40, 0x00]));
    await client.closed;
    expect(broker.metrics().connectionsRefused.packet_too_large).toBe(1);
    expect(logLines('connection closed: packet too large')).toBe(1);
    await eventually(() => {
      expect(presence.at(-1)).toMatchObject({ online: false, reason: 'protocol_error' });
    });
    await stillServes();
  });

  it('a whole packet over the size limit in one write is refused by the broker alone (issue #14)', async () => {
    await startBroker();
    const client = await rawDevice();
    // The parser would see the whole packet in the chunk that trips the guard: it must not pass it on,
    // or the ingest would count it a second time, as payload_too_large.
    client.send(publishPacket(topicOf(C01, 'event'), 'x'.repeat(9000)));
    await client.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(broker.metrics().connectionsRefused.packet_too_large).toBe(1);
    expect(accepted).toEqual([]);
    expect(broker.metrics().publishesAccepted).toBe(0);
  });

  it('a payload over 4096 bytes but under the packet limit reaches the ingest, which rejects it', async () => {
    await startBroker();
    const client = await device(C01);
    await client.publishAsync(topicOf(C01, 'event'), 'x'.repeat(5000), { qos: 1 });
    expect(accepted).toEqual([topicOf(C01, 'event')]);
  });

  it.each([
    ['a wildcard #', `loa/v1/an-giang/vinh-an/${C01}/#`],
    ['a wildcard +', `loa/v1/an-giang/+/${C01}/heartbeat`],
  ])('%s in a PUBLISH topic', async (_, topic) => {
    await startBroker();
    const client = await rawDevice();
    client.send(publishPacket(topic, JSON.stringify(HEARTBEAT)));
    await client.closed;
    await eventually(() => {
      expect(broker.metrics().connectionsRefused.protocol_error).toBe(1);
    });
    expect(accepted).toEqual([]);
    await stillServes();
  });

  it.each([
    ['an empty level', `loa/v1/an-giang/vinh-an//${C01}/heartbeat`, false, 'bad_topic'],
    ['NUL', `loa/v1/an-giang/vinh-an/${C01}/heart\0beat`, false, 'bad_topic'],
    ['another device', 'loa/v1/an-giang/vinh-an/vinh-an-c02/heartbeat', false, 'other_device'],
    ['the platform', 'loa/v1/an-giang/vinh-an/_platform/alert', false, 'platform'],
    ['$SYS', '$SYS/broker/clients', false, 'reserved'],
  ] as const)('%s', async (_, topic, retain, reason) => {
    await startBroker();
    for (let i = 0; i < 2; i++) {
      const client = await rawDevice();
      client.send(publishPacket(topic, JSON.stringify(HEARTBEAT), { retain }));
      await client.closed;
    }
    expect(broker.metrics().publishesRefused[reason]).toBe(2);
    expect(logLines(`publish refused: ${reason}`)).toBe(1);
    expect(accepted).toEqual([]);
    await eventually(() => {
      expect(presence.at(-1)).toMatchObject({ online: false, reason: 'refused' });
    });
    await stillServes();
  });

  it('wrong passwords, unknown ids and a device impersonating another', async () => {
    await startBroker();
    const attempts: [string, string, string, number][] = [
      [C01, C01, 'wrong', 4],
      ['ghost', 'ghost', 'x', 4],
      // c01's secret presented as c02: the secret is checked against c02's hash.
      ['vinh-an-c02', 'vinh-an-c02', 'c01-secret', 4],
      // c01 logging in with c02's name under its own client id.
      [C01, 'vinh-an-c02', 'c02-secret', 2],
    ];
    for (const [clientId, username, password, code] of attempts) {
      const client = await raw();
      client.send(connectPacket(clientId, username, password));
      expect(await client.connack()).toBe(code);
    }
    expect(broker.metrics().authFailures).toMatchObject({
      bad_secret: 2,
      unknown_user: 1,
      client_id_mismatch: 1,
    });
    expect(logLines('connection refused: bad_secret')).toBe(1);
    expect(presence).toEqual([]);
    await stillServes();
  });
});

describe('limits', () => {
  it('throttles failed logins per client id and address, without paying for a check', async () => {
    await startBroker({ authFailuresPerClientId: 3, authFailuresPerAddress: 1000 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const client = await raw(GUESSER);
      client.send(connectPacket(C01, C01, `guess-${i}`));
      codes.push(await client.connack());
    }
    expect(codes).toEqual([4, 4, 4, 3, 3]);
    expect(broker.metrics().slowChecks).toBe(3);
    // Issue #14, point 1: the guesses were made elsewhere; the device itself is never locked out.
    const owner = await raw();
    owner.send(connectPacket(C01, C01, 'c01-secret'));
    expect(await owner.connack()).toBe(0);
    expect(broker.metrics().authFailures).toMatchObject({ bad_secret: 3, throttled: 2 });
    expect(logLines('connection refused: throttled')).toBe(1);
    await stillServes();
  });

  it('counts guesses sent in parallel while they are checked (issue #14, point 2)', async () => {
    await startBroker({ authFailuresPerClientId: 5, authFailuresPerAddress: 100 });
    const guesses = await Promise.all(Array.from({ length: 300 }, () => raw(GUESSER)));
    for (const [i, client] of guesses.entries()) client.send(connectPacket(C01, C01, `guess-${i}`));
    const codes = await Promise.all(guesses.map((c) => c.connack()));
    expect(codes.filter((c) => c === 4)).toHaveLength(5);
    expect(codes.filter((c) => c === 3)).toHaveLength(295);
    expect(broker.metrics().slowChecks).toBe(5);
    const owner = await raw();
    owner.send(connectPacket(C01, C01, 'c01-secret'));
    expect(await owner.connack()).toBe(0);
  });

  it('stops parallel guesses for many ids at the address limit', async () => {
    await startBroker({ authFailuresPerClientId: 1000, authFailuresPerAddress: 10 });
    const ids = [C01, 'vinh-an-c02', 'tan-lap-c01'];
    const guesses = await Promise.all(Array.from({ length: 90 }, () => raw(GUESSER)));
    for (const [i, client] of guesses.entries()) {
      client.send(connectPacket(ids[i % 3] as string, ids[i % 3] as string, `guess-${i}`));
    }
    const codes = await Promise.all(guesses.map((c) => c.connack()));
    // At most the limit plus the checks already running when it was reached (4 slots).
    expect(codes.filter((c) => c === 4).length).toBeLessThanOrEqual(14);
    expect(broker.metrics().slowChecks).toBeLessThanOrEqual(14);
  });

  it('lets honest parallel logins from one address through: checks in flight do not count against it', async () => {
    // Three devices behind one NAT address logging in at once, with a limit of 2 failures.
    await startBroker({ authFailuresPerAddress: 2 });
    const ids = [C01, 'vinh-an-c02', 'tan-lap-c01'];
    const honest = await Promise.all(ids.map(() => raw()));
    honest.forEach((client, i) => {
      const id = ids[i] as 'vinh-an-c01';
      client.send(connectPacket(id, id, SECRETS[id]));
    });
    expect(await Promise.all(honest.map((c) => c.connack()))).toEqual([0, 0, 0]);
  });

  it('checks a login from an address without failures ahead of a flood of guesses', async () => {
    await startBroker({ authFailuresPerClientId: 1000, authFailuresPerAddress: 1000, slowChecksInFlight: 2 });
    // Guesses for three ids, sent at once: they fill the slow-check slots and the queue.
    const ids = [C01, 'vinh-an-c02', 'tan-lap-c01'];
    const guesses = await Promise.all(Array.from({ length: 150 }, () => raw(GUESSER)));
    for (const [i, client] of guesses.entries()) {
      client.send(connectPacket(ids[i % 3] as string, ids[i % 3] as string, `guess-${i}`));
    }
    await eventually(() => {
      expect(broker.metrics().authFailures.bad_secret).toBeGreaterThan(4);
    });
    const owner = await raw();
    owner.send(connectPacket('vinh-an-c02', 'vinh-an-c02', 'c02-secret'));
    expect(await owner.connack()).toBe(0);
    const answered = broker.metrics().authFailures.bad_secret;
    // The owner waited for one slot, not behind the 150 guesses.
    expect(answered).toBeLessThan(140);
    await Promise.all(guesses.map((c) => c.connack()));
  });

  it('throttles failed logins per address across client ids', async () => {
    await startBroker({ authFailuresPerClientId: 1000, authFailuresPerAddress: 4 });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const client = await raw();
      client.send(connectPacket(`ghost-${i}`, `ghost-${i}`, 'x'));
      codes.push(await client.connack());
    }
    expect(codes).toEqual([4, 4, 4, 4, 3, 3]);
    expect(broker.metrics().authFailures.throttled).toBe(2);
  });

  it('limits connects per client id and address, and counts Wills against the publish rate (issue #14, point 5)', async () => {
    await startBroker({ connectsPerSecond: 0.01, connectBurst: 5, publishPerSecond: 0.01, publishBurst: 3 });
    const will = {
      topic: topicOf(C01, 'state'),
      payload: '{"v":1,"online":false,"session":1}',
      qos: 1 as const,
    };
    const codes: number[] = [];
    // A connect/drop loop: every dropped connection releases its Will.
    for (let i = 0; i < 12; i++) {
      const client = await raw();
      client.send(connectPacket(C01, C01, 'c01-secret', 60, will));
      const code = await client.connack();
      codes.push(code);
      client.socket.destroy();
      if (code === 0)
        await eventually(() => {
          expect(presence.at(-1)).toMatchObject({ online: false });
        });
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3]);
    expect(broker.metrics().authFailures.rate_limited).toBe(7);
    await eventually(() => {
      expect(broker.metrics().willsAccepted + broker.metrics().publishesRefused.rate_limited).toBe(5);
    });
    expect(broker.metrics().willsAccepted).toBe(3);
    // The same id from another address is not affected.
    const elsewhere = await raw(GUESSER);
    elsewhere.send(connectPacket(C01, C01, 'c01-secret'));
    expect(await elsewhere.connack()).toBe(0);
  });

  it('limits the publish rate of a device with a token bucket', async () => {
    await startBroker({ publishPerSecond: 1, publishBurst: 5 });
    const client = await device(C01);
    for (let i = 0; i < 5; i++) await publish(client, topicOf(C01, 'heartbeat'), { ...HEARTBEAT, seq: i });
    const closed = new Promise<void>((resolve) =>
      client.once('close', () => {
        resolve();
      }),
    );
    client.publish(topicOf(C01, 'heartbeat'), JSON.stringify(HEARTBEAT), { qos: 1 });
    await closed;
    expect(broker.metrics().publishesRefused.rate_limited).toBe(1);
    expect(accepted).toHaveLength(5);
    await stillServes();
  });

  it('limits the publish rate by default: a flood is cut off once the replay burst is spent', async () => {
    await startBroker();
    const client = await device(C01);
    const closed = new Promise<void>((resolve) =>
      client.once('close', () => {
        resolve();
      }),
    );
    const { publishBurst } = DEFAULT_BROKER_LIMITS;
    // As fast as the broker acknowledges, 64 in flight, until it closes the connection.
    let seq = 0;
    const flood = async () => {
      while (client.connected) {
        const payload = JSON.stringify({ ...HEARTBEAT, seq: seq++ });
        // Publications in flight when the broker closes the connection never settle: race the close.
        await Promise.race([client.publishAsync(topicOf(C01, 'heartbeat'), payload, { qos: 1 }), closed]);
      }
    };
    await Promise.all([closed, ...Array.from({ length: 64 }, flood)]);
    expect(broker.metrics().publishesRefused.rate_limited).toBe(1);
    expect(accepted.length).toBeGreaterThanOrEqual(publishBurst);
    expect(accepted.length).toBeLessThan(publishBurst * 1.01);
    await stillServes();
  });

  it('refuses connections over the limit at accept', async () => {
    await startBroker({ maxConnections: 2 });
    await device(C01);
    await device('tan-lap-c01');
    const third = await raw();
    await third.closed;
    expect(broker.metrics().connectionsRefused.max_connections).toBe(1);
    expect(logLines('connection refused: too many connections')).toBe(1);
    const registry = new MetricsRegistry();
    registry.register(() => brokerMetricFamilies(broker.metrics()));
    expect(registry.render()).toContain('loa_broker_connections_refused_total{reason="max_connections"} 1');
  });
});

describe('presence from the broker', () => {
  it('records connect, clean close and a lost link', async () => {
    await startBroker();
    const a = await device(C01);
    await a.endAsync();
    const b = await device(C01);
    b.stream.destroy();
    await eventually(() => {
      expect(presence).toHaveLength(4);
    });
    expect(presence.map((p) => [p.online, p.reason])).toEqual([
      [true, 'connect'],
      [false, 'client_close'],
      [true, 'connect'],
      [false, 'connection_lost'],
    ]);
    expect(presence[0]?.address).toEqual({ province: 'an-giang', commune: 'vinh-an', device: C01 });
  });

  it('records a takeover: the first session ends, the second is connected', async () => {
    await startBroker();
    const first = await device(C01);
    const closed = new Promise<void>((resolve) =>
      first.once('close', () => {
        resolve();
      }),
    );
    await device(C01);
    await closed;
    await eventually(() => {
      expect(presence).toHaveLength(3);
    });
    expect(presence.map((p) => [p.online, p.reason])).toEqual([
      [true, 'connect'],
      [false, 'takeover'],
      [true, 'connect'],
    ]);
    expect(broker.metrics().deviceDisconnects.takeover).toBe(1);
    expect(broker.metrics().connectedClients).toBe(1);
    expect(logLines('session taken over by a new connection')).toBe(1);
  });

  it('records a keepalive timeout', async () => {
    await startBroker();
    const client = await rawDevice(1);
    await client.closed; // 1.5 × 1 s without a packet
    await eventually(() => {
      expect(presence.at(-1)).toMatchObject({ online: false, reason: 'keepalive_timeout' });
    });
    expect(broker.metrics().deviceDisconnects.keepalive_timeout).toBe(1);
  });

  it('records an inventory removal, and keeps unchanged devices connected', async () => {
    await startBroker();
    const kept = await device('vinh-an-c02');
    const removed = await device('tan-lap-c01');
    const closed = new Promise<void>((resolve) =>
      removed.once('close', () => {
        resolve();
      }),
    );
    const next = Inventory.fromFiles(
      inventory.provinces.map((p) => ({
        file: p.file,
        content: {
          province: { id: p.id, name: p.name },
          timezone: p.timezone,
          criterion: p.criterion,
          communes: p.communes
            .filter((c) => c.id !== 'tan-lap')
            .map((c) => ({
              id: c.id,
              name: c.name,
              unit: c.unit,
              formerly: [...c.formerly],
              schedule: [...c.schedule],
              hamlets: [...c.hamlets],
              devices: c.devices.map((d) => ({
                id: d.device,
                kind: d.kind,
                link: d.link,
                hamlets: [...d.hamlets],
                ...(d.secretHash !== undefined && { secret: d.secretHash }),
              })),
            })),
        },
      })),
    );
    expect(broker.setInventory(next)).toEqual(['tan-lap-c01']);
    await closed;
    await publish(kept, topicOf('vinh-an-c02', 'heartbeat'), HEARTBEAT);
    expect(kept.connected).toBe(true);
    await eventually(() => {
      expect(presence.at(-1)).toMatchObject({ online: false, reason: 'removed' });
    });
  });
});
