// The load generator the end-to-end benchmarks share: a fleet of mqtt.js devices publishing QoS 1
// heartbeats, WINDOW at a time each, as fast as acknowledged or held to a rate.
import type { MqttClient } from 'mqtt';

export interface Fleet {
  clients: readonly MqttClient[];
  /** Each device's heartbeat topic, by index. */
  topics: readonly string[];
}

export interface LoadResult {
  acked: number;
  seconds: number;
}

export function createLoad(fleet: Fleet, baseTs: number, onPublish?: (device: number, seq: number) => void) {
  const seqs = fleet.clients.map(() => 0);
  const WINDOW = 8;
  return async function load(durationS: number, rate?: number): Promise<LoadResult> {
    const start = Date.now();
    const deadline = start + durationS * 1000;
    let sent = 0;
    let acked = 0;
    await Promise.all(
      fleet.clients.flatMap((client, i) =>
        Array.from({ length: WINDOW }, async () => {
          while (Date.now() < deadline) {
            if (rate !== undefined && sent >= (rate * (Date.now() - start)) / 1000) {
              await new Promise((r) => setTimeout(r, 2));
              continue;
            }
            sent++;
            const s = (seqs[i] = (seqs[i] ?? 0) + 1);
            onPublish?.(i, s);
            await client.publishAsync(
              fleet.topics[i] ?? '',
              `{"v":1,"ts":${baseTs + s},"seq":${s},"uptime_s":${s},"power":"mains","amp":"on","volume_pct":80,"mains_v":221.5,"rssi_dbm":-70}`,
              { qos: 1 },
            );
            acked++;
          }
        }),
      ),
    );
    return { acked, seconds: (Date.now() - start) / 1000 };
  };
}
