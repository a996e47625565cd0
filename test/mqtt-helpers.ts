// Real mqtt.js device clients for integration tests and benchmarks.
import mqtt, { type MqttClient } from 'mqtt';
import { SECRETS, topicOf, type TestDevice } from './fixtures/province.js';

export async function connectDevice(
  brokerUrl: string,
  device: TestDevice,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(brokerUrl, {
    clientId: device,
    username: device,
    password: SECRETS[device],
    reconnectPeriod: 0,
    ...extra,
  });
}

/** Publishes with QoS 1 and resolves on the broker's PUBACK. */
export async function publish(
  client: MqttClient,
  topic: string,
  payload: unknown,
  retain = false,
): Promise<void> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  await client.publishAsync(topic, body, { qos: 1, retain });
}

/**
 * Publishes `count` heartbeats of one device with QoS 1, `window` at a time, each with its own device
 * time (so each is its own point). `onAck` sees the running count of acknowledged messages.
 */
export async function publishHeartbeats(
  client: MqttClient,
  device: TestDevice,
  {
    count,
    baseTs,
    window = 64,
    onAck,
  }: { count: number; baseTs: number; window?: number; onAck?: (acked: number) => void },
): Promise<number> {
  const topic = topicOf(device, 'heartbeat');
  let next = 1;
  let acked = 0;
  async function worker(): Promise<void> {
    while (next <= count) {
      const seq = next++;
      const payload = `{"v":1,"ts":${baseTs + seq},"seq":${seq},"uptime_s":${seq},"power":"mains","amp":"on"}`;
      await client.publishAsync(topic, payload, { qos: 1 });
      acked++;
      onAck?.(acked);
    }
  }
  await Promise.all(Array.from({ length: window }, worker));
  return acked;
}

/**
 * Every client publishes `perDevice` heartbeats of its device at once; `onAck` sees the fleet's running
 * total of acknowledged messages (tests use it to break something mid-stream).
 */
export function publishFromEach(
  clients: readonly MqttClient[],
  devices: readonly TestDevice[],
  { perDevice, baseTs, onAck }: { perDevice: number; baseTs: number; onAck: (total: number) => void },
): Promise<number[]> {
  let total = 0;
  return Promise.all(
    clients.map((client, i) =>
      publishHeartbeats(client, devices[i] as TestDevice, {
        count: perDevice,
        baseTs,
        window: 16,
        onAck: () => {
          onAck(++total);
        },
      }),
    ),
  );
}
