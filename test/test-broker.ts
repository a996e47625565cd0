import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { until } from './wait.js';

/**
 * For the agent's tests: an in-process aedes broker on a free port, with no
 * authentication, and a subscriber that records everything under the v1 root.
 */
export interface TestBroker {
  url: string;
  broker: Aedes;
  /** Drops a client's socket without DISCONNECT, as a dead 4G link would: the broker publishes its Will. */
  dropClient(clientId: string): void;
  close(): Promise<void>;
}

export async function startTestBroker(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const sockets = new Map<string, Socket>();
  broker.on('client', (client) => {
    sockets.set(client.id, client.conn as Socket);
  });
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    dropClient(clientId) {
      const socket = sockets.get(clientId);
      if (!socket) throw new Error(`no client ${clientId}`);
      socket.destroy();
    },
    async close() {
      await new Promise<void>((resolve) => {
        broker.close(() => {
          resolve();
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}

export interface Received {
  topic: string;
  payload: Record<string, unknown>;
  retain: boolean;
}

export interface Recorder {
  messages: Received[];
  /** Messages on one device's channel, in arrival order. */
  on(device: string, channel: string): Received[];
  /** Polls until `predicate` holds, failing after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRecorder(url: string, filter = 'loa/v1/#'): Promise<Recorder> {
  const client: MqttClient = await new Promise((resolve, reject) => {
    const c = connect(url, { clientId: `recorder-${process.pid}-${Math.random().toString(36).slice(2)}` });
    c.once('connect', () => {
      resolve(c);
    });
    c.once('error', reject);
  });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({
      topic,
      payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown>,
      retain: packet.retain,
    });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    on: (device, channel) => messages.filter((m) => m.topic.endsWith(`/${device}/${channel}`)),
    until: (predicate, timeoutMs) => until(predicate, timeoutMs),
    close: () => client.endAsync(),
  };
}
