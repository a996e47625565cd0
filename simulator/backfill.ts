import type { Logger } from '../runtime/index.js';
import type { InfluxQl, PointWriter } from '../influx/index.js';
import { createPipeline, type IncomingMessage } from '../ingest/index.js';
import {
  BROKER_PRESENCE,
  devicePrefix,
  INGEST_METRICS,
  type Channel,
  type Commune,
  type Device,
  type Inventory,
  type ScheduleWindow,
} from '../protocol/index.js';
import { DEFAULT_SCHEDULE } from './generate.js';
import { localDay } from './local-time.js';
import { createRandom, seedFrom } from './prng.js';
import { WINDOW_CONTENT } from './programmes.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** A device dark from `from` to `to` (epoch ms): no heartbeats, no broadcasts, a Will, then a boot. */
export interface Outage {
  device: string;
  from: number;
  to: number;
  /** `power`: mains and battery gone (events power_lost / power_restored); `link`: the 4G link only. */
  kind: 'power' | 'link';
}

export interface BackfillOptions {
  inventory: Inventory;
  /** Where the points go: the same writer the ingest uses (raw data in the default retention policy). */
  writer: PointWriter;
  /** Reads where live data begins. */
  ql: InfluxQl;
  /** The last this many days, up to now or to the earliest live data. */
  days: number;
  /** Seconds between heartbeats; by default each device's inventory `heartbeat_s`. */
  stepS?: number;
  /** The raw retention in days (docs/protocol.md §10): older points would be refused, as live ones are. */
  retentionDays?: number;
  /** Seeds everything: the same seed writes the same points. */
  seed?: number;
  /** Per device and local day, the chance that an outage begins (default 0.02). */
  outageChance?: number;
  /** Outages on top of the random ones (a test, a demo of a hamlet going irregular). */
  outages?: readonly Outage[];
  /** Points per write (default 5,000, as the ingest). */
  batchSize?: number;
  now?: () => number;
  logger: Logger;
  onProgress?: (points: number) => void;
}

export interface BackfillResult {
  from: number;
  until: number;
  /** Where live data began, when it stopped the backfill before now. */
  liveFrom: number | undefined;
  points: number;
  /** Points per measurement. */
  measurements: Record<string, number>;
  /** Per device: heartbeats and broadcasts written. */
  devices: Record<string, { heartbeats: number; broadcasts: number }>;
  /** The outages written, scripted and random, clipped to the period. */
  outages: Outage[];
  /** Messages the pipeline refused (a bug if not 0: nothing is written for them). */
  rejected: number;
  seconds: number;
}

/**
 * Writes the last N days of a province's telemetry straight into InfluxDB, so that dashboards and the
 * seven-day regularity rule have history on a fresh install. Every message goes through the ingest's
 * own pipeline (validation and line protocol), so the points are exactly what the live path writes.
 *
 * Idempotent: every value follows from the seed, the device and the absolute time (heartbeats on a grid
 * of their interval, outages and reboots drawn per local day or week), so a second run writes the same
 * points with the same keys, which InfluxDB overwrites. It never writes over live data: it stops at the
 * first point only a running platform writes (the ingest's self-metrics, the broker's presence).
 */
export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const now = (options.now ?? Date.now)();
  const retentionDays = options.retentionDays ?? 30;
  if (!(options.days > 0) || options.days >= retentionDays) {
    throw new RangeError(`days must be above 0 and below the raw retention (${retentionDays} days)`);
  }
  if (options.stepS !== undefined && !(options.stepS >= 1)) throw new RangeError('stepS must be at least 1');
  const started = performance.now();
  const from = now - options.days * DAY_MS;
  const liveFrom = await earliestLive(options.ql, from);
  const until = Math.min(now, liveFrom ?? Infinity);
  const seed = options.seed ?? 1;
  const batchSize = options.batchSize ?? 5000;
  const pipeline = createPipeline({
    inventory: options.inventory,
    retentionMs: retentionDays * DAY_MS,
    now: () => now,
  });
  const result: BackfillResult = {
    from,
    until,
    liveFrom,
    points: 0,
    measurements: {},
    devices: {},
    outages: [],
    rejected: 0,
    seconds: 0,
  };

  // Two writes in flight, as the ingest: InfluxDB works on one while the next is built.
  const inFlight = new Set<Promise<void>>();
  let batch: string[] = [];
  let seq = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const lines = batch;
    batch = [];
    const write = options.writer.write(lines).then(() => {
      result.points += lines.length;
      options.onProgress?.(result.points);
    });
    const tracked = write.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 2) await Promise.race(inFlight);
  };
  const emit = (device: Device, channel: Channel, payload: object, receivedAt: number): void => {
    const message: IncomingMessage = {
      topic: `${devicePrefix(device)}${channel}`,
      payload: Buffer.from(JSON.stringify({ v: 1, ...payload })),
      receivedAt,
      seq: seq++,
    };
    const out = pipeline(message);
    if (out.kind !== 'point') {
      result.rejected++;
      if (result.rejected <= 5) options.logger.warn({ result: out, topic: message.topic }, 'refused');
      return;
    }
    const measurement = out.line.slice(0, out.line.indexOf(','));
    result.measurements[measurement] = (result.measurements[measurement] ?? 0) + 1;
    batch.push(out.line);
  };

  try {
    for (const province of options.inventory.provinces) {
      for (const commune of province.communes) {
        for (const device of commune.devices) {
          if (!device.monitored) continue;
          const plan = new DevicePlan(device, commune, province.timezone, {
            from,
            until,
            seed,
            stepMs: (options.stepS ?? device.heartbeatS) * 1000,
            outageChance: options.outageChance ?? 0.02,
            scripted: (options.outages ?? []).filter((o) => o.device === device.device),
          });
          result.outages.push(...plan.clippedOutages());
          result.devices[device.device] = plan.write((channel, payload, receivedAt) => {
            emit(device, channel, payload, receivedAt);
          });
          if (batch.length >= batchSize) await flush();
        }
      }
    }
    await flush();
  } finally {
    await Promise.all(inFlight);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * The earliest point in [from, now] that only a running platform writes: the ingest's self-metrics or
 * the embedded broker's presence. Backfilled points are neither, so a second backfill is not stopped by
 * the first one's points.
 */
async function earliestLive(ql: InfluxQl, from: number): Promise<number | undefined> {
  let earliest: number | undefined;
  for (const measurement of [INGEST_METRICS.name, BROKER_PRESENCE.name]) {
    const [series] = await ql.query(
      `SELECT * FROM "${measurement}" WHERE time >= ${Math.floor(from)}ms ORDER BY time ASC LIMIT 1`,
    );
    const time = series?.values[0]?.[0];
    if (typeof time === 'number' && (earliest === undefined || time < earliest)) earliest = time;
  }
  return earliest;
}

type Emit = (channel: Channel, payload: object, receivedAt: number) => void;

const DEFAULT_WINDOWS: readonly ScheduleWindow[] = DEFAULT_SCHEDULE.map((text) => {
  const [start = '', end = ''] = text.split('-');
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return { text, startMin: minutes(start), endMin: minutes(end) };
});

/**
 * When a device was dark over [from, until): the same random outages (seeded per device and local day)
 * as its backfilled telemetry, so the daily summaries of `--summary-days` and the raw points agree.
 */
export function deviceOutages(
  device: Device,
  commune: Commune,
  timeZone: string,
  o: { from: number; until: number; seed: number; outageChance: number; scripted: readonly Outage[] },
): Outage[] {
  return new DevicePlan(device, commune, timeZone, {
    ...o,
    stepMs: device.heartbeatS * 1000,
  }).clippedOutages();
}

/** One device's history: when it was dark, when it booted, what it measured and played. */
class DevicePlan {
  private readonly dark: Outage[];
  private readonly schedule: readonly ScheduleWindow[];
  /** A weekly maintenance reboot at a fixed moment of the week, per device. */
  private readonly rebootPhase: number;
  private readonly id: string;

  constructor(
    private readonly device: Device,
    commune: Commune,
    private readonly timeZone: string,
    private readonly o: {
      from: number;
      until: number;
      seed: number;
      stepMs: number;
      outageChance: number;
      scripted: readonly Outage[];
    },
  ) {
    this.id = device.device;
    // A commune without a schedule still broadcasts: the usual times (docs/design.md#the-problem).
    this.schedule = commune.schedule.length > 0 ? commune.schedule : DEFAULT_WINDOWS;
    this.rebootPhase = (seedFrom(`${this.id}/reboot`, o.seed) % (WEEK_MS / MINUTE_MS)) * MINUTE_MS;
    this.dark = this.outages();
  }

  clippedOutages(): Outage[] {
    return this.dark
      .filter((d) => d.to > this.o.from && d.from < this.o.until)
      .map((d) => ({ ...d, from: Math.max(d.from, this.o.from), to: Math.min(d.to, this.o.until) }));
  }

  /** Random outages drawn per local day (two days back, so one running into the period is seen). */
  private outages(): Outage[] {
    const all: Outage[] = [...this.o.scripted];
    for (let at = this.o.from - 2 * DAY_MS; at < this.o.until + DAY_MS; at += DAY_MS) {
      const day = localDay(at, this.timeZone);
      const r = createRandom(seedFrom(`${this.id}/outage/${day.date}`, this.o.seed));
      if (!r.chance(this.o.outageChance)) continue;
      const start = day.midnight + r.int(0, 24 * 60 - 1) * MINUTE_MS;
      // Log-uniform from 30 minutes to 32 hours: most outages are short, a few last a day or more.
      const length = Math.round(30 * 2 ** r.between(0, 6)) * MINUTE_MS;
      all.push({ device: this.id, from: start, to: start + length, kind: r.chance(0.5) ? 'power' : 'link' });
    }
    all.sort((a, b) => a.from - b.from);
    // Overlapping outages are one.
    const merged: Outage[] = [];
    for (const o of all) {
      const last = merged.at(-1);
      if (last && o.from <= last.to) last.to = Math.max(last.to, o.to);
      else merged.push({ ...o });
    }
    return merged;
  }

  private isDark(from: number, to = from): boolean {
    return this.dark.some((d) => from < d.to && to >= d.from);
  }

  /** The latest boot at or before `t`: a weekly reboot or the end of an outage. */
  private bootBefore(t: number): number {
    let boot = Math.floor((t - this.rebootPhase) / WEEK_MS) * WEEK_MS + this.rebootPhase;
    for (const d of this.dark) if (d.to <= t && d.to > boot) boot = d.to;
    return boot;
  }

  write(emit: Emit): { heartbeats: number; broadcasts: number } {
    const { from, until } = this.o;
    const inRange = (t: number) => t >= from && t < until;
    const heartbeats = this.heartbeats(emit, inRange);
    let broadcasts = 0;
    if (this.device.kind === 'cluster') broadcasts = this.broadcasts(emit, inRange);
    this.presence(emit, inRange);
    return { heartbeats, broadcasts };
  }

  private heartbeats(emit: Emit, inRange: (t: number) => boolean): number {
    const { from, until, stepMs, seed } = this.o;
    const phase = (seedFrom(`${this.id}/phase`, seed) % (stepMs / 1000)) * 1000;
    const link = this.device.link;
    let count = 0;
    // Drawn per local day from its first grid point, so a run starting mid-day draws the same values.
    for (let at = from; at < until + DAY_MS; at += DAY_MS) {
      const day = localDay(at, this.timeZone);
      if (day.midnight >= until) break;
      const r = createRandom(seedFrom(`${this.id}/heartbeat/${day.date}`, seed));
      const first = Math.ceil((day.midnight - phase) / stepMs);
      for (let k = first; k * stepMs + phase < day.midnight + DAY_MS; k++) {
        const t = k * stepMs + phase;
        const mainsV = round1(r.between(212, 232));
        const batteryV = round1(r.between(13.1, 13.7));
        const tempC = round1(r.between(28, 44));
        const rssi = link === 'wifi' ? r.int(-75, -45) : r.int(-105, -60);
        if (!inRange(t) || this.isDark(t)) continue;
        // Minutes into the local day, without a time-zone conversion per point (this loop is the hot one).
        const minute = (t - day.midnight) / MINUTE_MS;
        const playing =
          this.device.kind === 'cluster' &&
          this.schedule.some((w) => minute >= w.startMin && minute < w.endMin);
        emit(
          'heartbeat',
          {
            ts: t,
            seq: k,
            uptime_s: Math.floor((t - this.bootBefore(t)) / 1000),
            power: 'mains',
            amp: 'on',
            playing,
            volume_pct: playing ? 80 : 0,
            mains_v: mainsV,
            battery_v: batteryV,
            relay: 'ok',
            temp_c: tempC,
            ...((link === '4g' || link === 'wifi') && { rssi_dbm: rssi }),
          },
          t,
        );
        count++;
      }
    }
    return count;
  }

  /** One log per schedule window the device was up for, as VirtualDevice logs them live. */
  private broadcasts(emit: Emit, inRange: (t: number) => boolean): number {
    const { from, until, seed } = this.o;
    let count = 0;
    for (let at = from; at < until + DAY_MS; at += DAY_MS) {
      const day = localDay(at, this.timeZone);
      this.schedule.forEach((window, index) => {
        const ws = day.midnight + window.startMin * MINUTE_MS;
        const we = day.midnight + window.endMin * MINUTE_MS;
        if (!inRange(ws) || we > until || this.isDark(ws, we)) return;
        // The same id as a live log of this window (local date and start), so either overwrites the other.
        const key = `${day.date}-${window.text.slice(0, 5).replace(':', '')}`;
        const r = createRandom(seedFrom(`${this.id}/broadcast/${key}`, seed));
        const content = WINDOW_CONTENT[Math.min(index, WINDOW_CONTENT.length - 1)] ?? WINDOW_CONTENT[0];
        const roll = r.next();
        const end = we - r.int(0, 90) * 1000;
        emit(
          'broadcast',
          {
            id: key,
            start: ws + r.int(0, 90) * 1000,
            end,
            priority: r.chance(0.03) ? 'priority' : 'normal',
            source: content.source,
            status: roll < 0.97 ? 'completed' : roll < 0.99 ? 'interrupted' : 'failed',
            program: content.program,
          },
          Math.min(we + MINUTE_MS, until - 1),
        );
        count++;
      });
    }
    return count;
  }

  /** Births at boots (weekly reboots and ends of outages), Wills at outages, power events. */
  private presence(emit: Emit, inRange: (t: number) => boolean): void {
    const { from, until } = this.o;
    const heartbeatMs = this.device.heartbeatS * 1000;
    const birth = (at: number) => {
      const session = Math.floor(at / MINUTE_MS);
      emit('state', { ts: at, online: true, session, reason: 'boot' }, at);
      emit(
        'meta',
        {
          ts: at,
          kind: this.device.kind,
          firmware: 'loa-sim/0.1.0',
          model: this.device.model ?? (this.device.kind === 'station' ? 'sim-studio' : 'sim-ip-cluster'),
          hamlets: [...this.device.hamlets],
          ...(this.device.link !== 'fm' && this.device.link !== 'wired' && { link: this.device.link }),
          heartbeat_s: this.device.heartbeatS,
          ...(this.device.lat !== undefined && { lat: this.device.lat }),
          ...(this.device.lon !== undefined && { lon: this.device.lon }),
        },
        at,
      );
    };
    const firstWeek = Math.floor((from - this.rebootPhase) / WEEK_MS) * WEEK_MS + this.rebootPhase;
    for (let boot = firstWeek; boot < until; boot += WEEK_MS) {
      if (!inRange(boot - 5000) || this.isDark(boot - 5000, boot)) continue;
      emit(
        'state',
        {
          ts: boot - 5000,
          online: false,
          session: Math.floor(this.bootBefore(boot - 5000) / MINUTE_MS),
          reason: 'shutdown',
        },
        boot - 5000,
      );
      birth(boot);
    }
    for (const d of this.dark) {
      if (inRange(d.from)) {
        // The Will: no device time, published by the broker once the keepalive runs out (receipt time).
        const willAt = Math.min(d.from + 3 * heartbeatMs, until - 1);
        emit(
          'state',
          { online: false, session: Math.floor(this.bootBefore(d.from) / MINUTE_MS), reason: 'lost' },
          willAt,
        );
        if (d.kind === 'power')
          emit('event', { ts: d.from, type: 'power_lost', detail: 'mains and battery gone' }, d.from);
      }
      if (inRange(d.to)) {
        if (d.kind === 'power') emit('event', { ts: d.to, type: 'power_restored' }, d.to);
        birth(d.to);
      }
    }
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
