// A day of one small province, stored exactly as the platform stores it: device messages through the
// ingest's real pipeline (raw points), the real coverage engine fed with the same messages (coverage and
// alert points for the retention policy `long`), and the ingest's and broker's self-metrics written
// through the storage schema (protocol/storage.ts). What the dashboard panel test queries.
import { createCoverageEngine } from '../coverage/index.js';
import { createPipeline } from '../ingest/index.js';
import {
  BROKER_METRICS,
  COVERAGE_PROVINCE,
  INGEST_METRICS,
  msToNs,
  type Inventory,
} from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Minutes of the local day (UTC+7) at which the history's commune programmes end. */
const PROGRAMME_ENDS = new Set([9 * 60, 13 * 60, 21 * 60]);

function localMinute(t: number): number {
  return Math.floor((t + 7 * HOUR) / MINUTE) % (24 * 60);
}

export interface ProvinceHistory {
  raw: string[];
  long: string[];
  /** The last `coverage_province` line the engine wrote, as fields. */
  province: Record<string, number>;
  /** Completed broadcasts logged per commune. */
  completed: Record<string, number>;
  end: number;
}

/** The integer fields of one line-protocol line. */
export function intFields(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/[ ,](\w+)=(-?\d+)i\b/g)) out[m[1] ?? ''] = Number(m[2]);
  return out;
}

/**
 * 26 hours ending at `end`, heartbeat every minute: both schedule windows of Vĩnh An pass, so
 * `broadcast_missed` is judged; `tan-lap-c01` falls silent for the last hour (its hamlet uncovered);
 * `vinh-an-c02` runs on battery for half an hour and reboots; `vinh-an-c01` alone plays emergency bulletin EM-1.
 */
export function provinceHistory(inventory: Inventory, end: number): ProvinceHistory {
  const start = end - 26 * HOUR;
  let t = start;
  const raw: string[] = [];
  const long: string[] = [];
  const completed: Record<string, number> = {};
  const pipeline = createPipeline({ inventory, retentionMs: 30 * 24 * HOUR, now: () => t });
  const engine = createCoverageEngine({
    inventory,
    logger: silentLogger(),
    now: () => t,
    store: { write: (lines) => long.push(...lines) },
  });
  let seq = 0;
  let rejected = 0;
  const devices = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'] as const;
  const commune = (d: string) => (d.startsWith('tan-lap') ? 'tan-lap' : 'vinh-an');

  function send(
    device: string,
    channel: string,
    message: Record<string, unknown>,
    topicCommune = commune(device),
  ) {
    const result = pipeline({
      topic: `loa/v1/an-giang/${topicCommune}/${device}/${channel}`,
      payload: Buffer.from(JSON.stringify({ v: 1, ...message })),
      receivedAt: t,
      seq: seq++,
    });
    if (result.kind === 'point') {
      raw.push(result.line);
      engine.observe(result.device.device, result.channel, result.message, t);
    } else if (result.kind === 'reject') {
      raw.push(result.line);
      rejected++;
    } else throw new Error(`unexpected pipeline result ${result.kind}`);
  }

  const position: Record<string, [number, number]> = {
    'vinh-an-c01': [10.38, 105.43],
    'vinh-an-c02': [10.4, 105.45],
    'tan-lap-c01': [10.5, 105.2],
  };
  for (const d of devices) {
    send(d, 'state', { ts: t, online: true, session: 1, reason: 'boot' });
    const [lat, lon] = position[d] ?? [undefined, undefined];
    send(d, 'meta', {
      ts: t,
      kind: d.endsWith('station') ? 'station' : 'cluster',
      firmware: '1.4.2',
      heartbeat_s: 60,
      ...(lat === undefined ? {} : { lat, lon, speakers: 3 }),
    });
  }

  let minute = 0;
  while (t < end) {
    t = Math.min(end, t + MINUTE);
    minute++;
    const left = (end - t) / MINUTE;
    for (const d of devices) {
      if (d === 'tan-lap-c01' && left < 60) continue;
      const battery = d === 'vinh-an-c02' && left >= 90 && left < 120;
      send(d, 'heartbeat', {
        ts: t,
        seq: minute,
        uptime_s: minute * 60,
        power: battery ? 'battery' : 'mains',
        amp: 'on',
        playing: false,
        volume_pct: 80,
        mains_v: battery ? 0 : 228.5,
        battery_v: battery ? 12.1 : 13.4,
        relay: 'ok',
        rssi_dbm: -71,
        temp_c: 41.5,
      });
      // A commune programme ending at 09:00, 13:00 and 21:00 local time, logged when it ends: never in
      // a scheduled window (05:00–06:00, 17:00–18:00), so every window that closes in the history is
      // missed by the clusters that are up, whatever the hour the test runs at.
      if (
        d !== 'vinh-an-station' &&
        PROGRAMME_ENDS.has(localMinute(t)) &&
        !(d === 'tan-lap-c01' && left < 60)
      ) {
        send(d, 'broadcast', {
          id: `${d}-${minute}`,
          start: t - 30 * MINUTE,
          end: t,
          priority: 'normal',
          source: 'commune',
          status: 'completed',
          program: 'Bản tin xã',
        });
        completed[commune(d)] = (completed[commune(d)] ?? 0) + 1;
      }
    }
    if (left === 120) send('vinh-an-c02', 'event', { ts: t, type: 'power_lost', detail: 'mains 0 V' });
    if (left === 90) send('vinh-an-c02', 'event', { ts: t, type: 'power_restored' });
    if (left === 100) {
      // A reboot on battery: shutdown, then a birth with the next session.
      send('vinh-an-c02', 'state', { ts: t - 2000, online: false, session: 1, reason: 'shutdown' });
      send('vinh-an-c02', 'state', { ts: t - 1000, online: true, session: 2, reason: 'boot' });
    }
    if (left === 60) send('tan-lap-c01', 'state', { online: false, session: 1, reason: 'lost' });
    if (left === 30)
      send('nobody-c09', 'heartbeat', { ts: t, seq: 1, uptime_s: 1, power: 'mains', amp: 'on' });
    if (left === 45) {
      send('vinh-an-c01', 'broadcast', {
        id: 'em-1',
        start: t - 5 * MINUTE,
        end: t,
        priority: 'emergency',
        source: 'provincial',
        status: 'completed',
        program: 'Cảnh báo lũ',
        bulletin: 'EM-1',
      });
      completed['vinh-an'] = (completed['vinh-an'] ?? 0) + 1;
    }
    engine.tick();
    // The ingest's and the embedded broker's self-metrics (ingest/service.ts, broker/metrics.ts), through
    // the same schema: cumulative counters, gauges, latencies.
    raw.push(
      INGEST_METRICS.line(
        { instance: 'test-ingest' },
        {
          received: seq,
          written: seq - rejected,
          rejected,
          buffered: minute % 7,
          wal_pending_bytes: (minute % 5) * 1000,
          write_errors: 0,
          write_p50_ms: 4.5,
          write_p99_ms: 19,
          stored_delay_p99_ms: 240,
        },
        msToNs(t),
      ),
      BROKER_METRICS.line(
        { instance: 'test-ingest' },
        {
          connected: 3 + (minute % 2),
          connections_total: 10 + minute,
          disconnections_total: 7 + minute,
          auth_failures: minute,
          publishes_accepted: seq,
          publishes_refused: Math.floor(minute / 10),
          wills_accepted: 0,
        },
        msToNs(t),
      ),
    );
  }
  const provinceLine = long.filter((l) => l.startsWith(`${COVERAGE_PROVINCE.name},`)).at(-1) ?? '';
  return { raw, long, province: intFields(provinceLine), completed, end };
}
