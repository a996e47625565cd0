import mqtt, { type MqttClient } from 'mqtt';
import { devicePrefix, type Device, type Inventory } from '../protocol/index.js';

/**
 * Load mode: many virtual devices publishing QoS 1 heartbeats over a pool of connections, as fast as
 * the broker acknowledges or held to a target rate, for benchmarks. Unlike `createSimulation` it does not
 * run the agent: it is the cheapest client that still makes the broker and the ingest do all their work
 * (authentication, access rules, durability, validation, storage) for every message.
 */

/** A connection and the devices (indexes into `topics`) whose messages it carries. */
export interface LoadConnection {
  client: MqttClient;
  devices: readonly number[];
}

export interface LoadFleet {
  connections: readonly LoadConnection[];
  /** Each device's heartbeat topic, by device index. */
  topics: readonly string[];
}

export interface LoadRun {
  /** Publishes started, and of those acknowledged by the broker (PUBACK) or failed. */
  sent: number;
  acked: number;
  failed: number;
  seconds: number;
}

export interface PublishLoopOptions {
  /** Device time of sequence 0; each message is `baseTs + seq` ms, so each is its own point. */
  baseTs: number;
  /** QoS 1 publishes awaiting their PUBACK, per connection (default 8). */
  inFlight?: number;
  /** Called as each message is handed over (the latency probe of the benchmark listens here). */
  onPublish?: (device: number, seq: number) => void;
}

export interface PublishLoop {
  /** Publishes for `durationS`, at most `rate` messages per second overall when given. */
  run(durationS: number, rate?: number): Promise<LoadRun>;
  /** Acknowledged messages per device, over every run so far. */
  ackedPerDevice(): readonly number[];
}

/**
 * The publish loop over a connected fleet. Sequence numbers continue from one run to the next, so
 * successive phases of a benchmark never overwrite each other's points.
 */
export function createPublishLoop(fleet: LoadFleet, options: PublishLoopOptions): PublishLoop {
  const seqs = fleet.topics.map(() => 0);
  const acked = fleet.topics.map(() => 0);
  const inFlight = options.inFlight ?? 8;
  return {
    async run(durationS, rate) {
      const start = Date.now();
      const deadline = start + durationS * 1000;
      const total: LoadRun = { sent: 0, acked: 0, failed: 0, seconds: 0 };
      await Promise.all(
        fleet.connections.flatMap(({ client, devices }) => {
          let next = 0;
          return Array.from({ length: inFlight }, async () => {
            while (Date.now() < deadline && devices.length > 0) {
              if (rate !== undefined && total.sent >= (rate * (Date.now() - start)) / 1000) {
                await new Promise((r) => setTimeout(r, 2));
                continue;
              }
              // Round robin over the connection's devices.
              const device = devices[next++ % devices.length] ?? 0;
              const seq = (seqs[device] = (seqs[device] ?? 0) + 1);
              total.sent++;
              options.onPublish?.(device, seq);
              try {
                await client.publishAsync(fleet.topics[device] ?? '', heartbeat(options.baseTs + seq, seq), {
                  qos: 1,
                });
              } catch {
                // The connection is gone (a refusal disconnects): this worker stops, the others go on.
                total.failed++;
                return;
              }
              total.acked++;
              acked[device] = (acked[device] ?? 0) + 1;
            }
          });
        }),
      );
      total.seconds = (Date.now() - start) / 1000;
      return total;
    },
    ackedPerDevice: () => acked,
  };
}

/** A full heartbeat, the shape the agent sends. */
function heartbeat(ts: number, seq: number): string {
  return `{"v":1,"ts":${ts},"seq":${seq},"uptime_s":${seq},"power":"mains","amp":"on","volume_pct":80,"mains_v":221.5,"rssi_dbm":-70}`;
}

export interface LoadFleetOptions {
  brokerUrl: string;
  inventory: Inventory;
  /** Virtual devices: the first N monitored devices of the inventory, in its order. */
  devices: number;
  /** Connections; by default one per device. */
  connections?: number;
  /**
   * Device accounts (the generator's `secrets.json`): each connection logs in as one device and
   * publishes only its own topics, so there are as many connections as devices. Any broker takes these.
   */
  secrets?: Readonly<Record<string, string>>;
  /**
   * A load-generator account that the broker lets publish the telemetry of any inventory device: N
   * devices over K connections. The embedded broker has no such role; a Mosquitto or EMQX configured
   * for load tests can have one (simulator/README.md, "Load mode").
   */
  account?: { username: string; password: string };
  /** Connections opened at once (default 50): a pool of thousands does not storm the broker. */
  connectConcurrency?: number;
}

export class LoadConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadConfigError';
  }
}

/** Opens the pool. Close it with `closeLoadFleet`. */
export async function connectLoadFleet(options: LoadFleetOptions): Promise<LoadFleet & { ids: string[] }> {
  const devices = pickDevices(options.inventory, options.devices);
  const k = options.connections ?? devices.length;
  if (!Number.isInteger(k) || k < 1 || k > devices.length) {
    throw new LoadConfigError(`connections must be a whole number from 1 to the ${devices.length} devices`);
  }
  if (options.account === undefined && k !== devices.length) {
    throw new LoadConfigError(
      'a device account may publish only its own topics: with device secrets there is one connection per ' +
        'device; pooling devices over fewer connections needs a load-generator account (simulator/README.md)',
    );
  }
  const topics = devices.map((d) => `${devicePrefix(d)}heartbeat`);
  const logins = Array.from({ length: k }, (_, i) => {
    if (options.account) {
      const { username, password } = options.account;
      // A service account's client id is its username or `{username}-…` (broker/auth.ts).
      return { clientId: `${username}-${i}`, username, password };
    }
    const id = devices[i]?.device ?? '';
    const password = options.secrets?.[id];
    if (password === undefined) throw new LoadConfigError(`no secret for device ${id}`);
    return { clientId: id, username: id, password };
  });
  const connections: LoadConnection[] = [];
  try {
    const concurrency = options.connectConcurrency ?? 50;
    for (let i = 0; i < logins.length; i += concurrency) {
      const clients = await Promise.all(
        logins
          .slice(i, i + concurrency)
          .map((login) => mqtt.connectAsync(options.brokerUrl, { ...login, reconnectPeriod: 0 })),
      );
      for (const client of clients) {
        const c = connections.length;
        connections.push({ client, devices: devices.map((_, d) => d).filter((d) => d % k === c) });
      }
    }
  } catch (error) {
    await closeLoadFleet({ connections, topics });
    throw error;
  }
  return { connections, topics, ids: devices.map((d) => d.device) };
}

export async function closeLoadFleet(fleet: LoadFleet): Promise<void> {
  await Promise.all(fleet.connections.map((c) => c.client.endAsync()));
}

function pickDevices(inventory: Inventory, n: number): Device[] {
  const out: Device[] = [];
  for (const province of inventory.provinces) {
    for (const commune of province.communes) {
      for (const device of commune.devices) {
        if (out.length === n) return out;
        if (device.monitored) out.push(device);
      }
    }
  }
  if (out.length < n || !Number.isInteger(n) || n < 1) {
    throw new LoadConfigError(`devices must be a whole number from 1 to the ${out.length} monitored devices`);
  }
  return out;
}

export interface LoadOptions extends LoadFleetOptions {
  durationS: number;
  /** Messages per second overall; as fast as acknowledged when absent. */
  rate?: number;
  inFlight?: number;
  /** Device time of the first message; by default an hour before now (inside every accepted window). */
  baseTs?: number;
}

export interface LoadResult extends LoadRun {
  devices: number;
  connections: number;
  /** Acknowledged messages per device id: what InfluxDB must hold as heartbeat points. */
  ackedByDevice: Record<string, number>;
}

/** `loa simulate load`: connect the pool, publish for the duration, close. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const fleet = await connectLoadFleet(options);
  try {
    const loop = createPublishLoop(fleet, {
      baseTs: options.baseTs ?? Date.now() - 3_600_000,
      ...(options.inFlight !== undefined && { inFlight: options.inFlight }),
    });
    const run = await loop.run(options.durationS, options.rate);
    const perDevice = loop.ackedPerDevice();
    return {
      ...run,
      devices: fleet.topics.length,
      connections: fleet.connections.length,
      ackedByDevice: Object.fromEntries(fleet.ids.map((id, i) => [id, perDevice[i] ?? 0])),
    };
  } finally {
    await closeLoadFleet(fleet);
  }
}
