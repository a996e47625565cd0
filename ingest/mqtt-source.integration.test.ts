import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../runtime/index.js';
import { eventually } from '../test/wait.js';
import { createMqttSource } from './mqtt-source.js';

const closers: (() => Promise<unknown>)[] = [];

/** A real aedes broker on a free port, closed after the test. */
async function startBroker(): Promise<{ url: string; broker: Aedes }> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    await new Promise<void>((resolve) => {
      broker.close(() => {
        resolve();
      });
    });
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });
  return { url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, broker };
}
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function client(url: string, clientId: string): Promise<MqttClient> {
  const c = connect(url, { clientId, clean: false, reconnectPeriod: 0 });
  c.on('error', () => undefined);
  await new Promise<void>((resolve) =>
    c.once('connect', () => {
      resolve();
    }),
  );
  closers.push(() => c.endAsync());
  return c;
}

describe('ingest MQTT source', () => {
  it('does not acknowledge a message it could not store when it stops', async () => {
    // The source's own publishes (the coverage service's alerts go out on its connection) are acknowledged
    // late, so its connection stays open while it stops: mqtt.js ends only once its outgoing QoS 1 is done.
    const b = await startBroker();
    b.broker.authorizePublish = (c, _packet, callback) => {
      setTimeout(
        () => {
          callback(null);
        },
        c?.id === 'ingest-under-test' ? 1500 : 0,
      );
    };
    // aedes records which QoS 1 deliveries each client acknowledged (its 'ack' event), and delivers
    // the others again when the same persistent session comes back.
    const acked: string[] = [];
    b.broker.on('ack', (packet, c) => {
      if ('topic' in packet) acked.push(`${c.id} ${packet.topic}`);
    });

    let attempts = 0;
    const source = createMqttSource({
      url: b.url,
      clientId: 'ingest-under-test',
      logger: silentLogger(),
      accept: () => {
        attempts++;
        throw new Error('write-ahead log full');
      },
    });
    await source.start();
    let sourceStopped = false;
    closers.push(async () => {
      if (!sourceStopped) await source.stop();
    });

    const device = await client(b.url, 'device-1');
    await device.publishAsync('loa/v1/device-1/heartbeat', '{}', { qos: 1 });
    await eventually(
      () => {
        expect(attempts).toBeGreaterThan(0);
      },
      5000,
      20,
    );

    const alert = source.publish('loa/v1/alerts/test', '{}', { retain: false });
    await source.stop();
    sourceStopped = true;
    await alert;
    expect(acked).toEqual([]);

    // The broker still holds the message for the persistent session and delivers it again.
    const next = await client(b.url, 'ingest-under-test');
    const redelivered = new Promise<string>((resolve) =>
      next.once('message', (topic) => {
        resolve(topic);
      }),
    );
    expect(await redelivered).toBe('loa/v1/device-1/heartbeat');
  });
});
