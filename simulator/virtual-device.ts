import type { Logger } from 'pino';
import {
  createAgent,
  type Agent,
  type AgentStats,
  type BroadcastInput,
  type HeartbeatFields,
  type SessionStore,
} from '../devices/index.js';
import type { Commune, Device, ScheduleWindow } from '../protocol/index.js';
import { inWindow, latestEndedWindow } from './local-time.js';
import { createRandom, seedFrom, type Random } from './prng.js';

export interface VirtualDeviceOptions {
  device: Device;
  commune: Commune;
  timeZone: string;
  brokerUrl: string;
  secret: string;
  heartbeatS: number;
  /** A cluster logs its newest finished broadcast window at most every this many heartbeats. */
  broadcastEvery: number;
  sessions: SessionStore;
  clock: () => number;
  logger: Logger;
  seed: number;
  reconnect?: { minMs: number; maxMs: number };
}

/** What the windows carry, in order: the national VOV relay, then provincial and commune programmes. */
const WINDOW_CONTENT = [
  { source: 'national', program: 'Thời sự VOV' },
  { source: 'provincial', program: 'Bản tin tỉnh' },
  { source: 'commune', program: 'Bản tin xã' },
] as const satisfies readonly { source: BroadcastInput['source']; program: string }[];

/**
 * One simulated box: the real agent from devices/ with virtual hardware behind its probe. Each heartbeat
 * advances the hardware one step (faults will hook in here) and, every few beats, logs the newest
 * finished broadcast window. A restart makes a fresh agent with the same session store, as a reboot would.
 */
export class VirtualDevice {
  private agent: Agent | undefined;
  private readonly random: Random;
  private readonly retired: AgentStats = emptyStats();
  private readonly schedule: readonly ScheduleWindow[];
  private startedAt = 0;
  private beats = 0;
  private lastLogged: string | undefined;

  constructor(private readonly options: VirtualDeviceOptions) {
    this.random = createRandom(seedFrom(options.device.device, options.seed));
    this.schedule = options.commune.schedule;
  }

  get id(): string {
    return this.options.device.device;
  }

  async start(): Promise<void> {
    if (this.agent) return;
    const o = this.options;
    const d = o.device;
    this.startedAt = o.clock();
    this.agent = createAgent({
      brokerUrl: o.brokerUrl,
      deviceId: d.device,
      secret: o.secret,
      province: d.province,
      commune: d.commune,
      kind: d.kind,
      hamlets: [...d.hamlets],
      heartbeatS: o.heartbeatS,
      sessionStore: o.sessions,
      clock: o.clock,
      logger: o.logger,
      probe: () => this.step(),
      meta: {
        firmware: 'loa-sim/0.1.0',
        model: d.model ?? (d.kind === 'station' ? 'sim-studio' : 'sim-ip-cluster'),
        speakers: d.kind === 'cluster' ? this.random.int(2, 4) : 0,
        ...(d.link !== 'fm' && d.link !== 'wired' && { link: d.link }),
        ...(d.lat !== undefined && { lat: d.lat }),
        ...(d.lon !== undefined && { lon: d.lon }),
      },
      ...(o.reconnect && { reconnect: o.reconnect }),
    });
    await this.agent.start();
  }

  async stop(): Promise<void> {
    const agent = this.agent;
    if (!agent) return;
    this.agent = undefined;
    await agent.stop();
    add(this.retired, agent.stats());
  }

  stats(): AgentStats {
    const current = this.agent?.stats();
    const total = { ...this.retired, online: current?.online ?? false, session: current?.session };
    if (current) add(total, current);
    return total;
  }

  /** One heartbeat's worth of virtual hardware: side effects first, then the measurement. */
  private step(): HeartbeatFields {
    const now = this.options.clock();
    this.beats += 1;
    if (this.options.device.kind === 'cluster' && this.beats % this.options.broadcastEvery === 0) {
      this.logBroadcast(now);
    }
    return this.measure(now);
  }

  private measure(now: number): HeartbeatFields {
    const r = this.random;
    const playing = inWindow(this.schedule, now, this.options.timeZone);
    const link = this.options.device.link;
    return {
      uptime_s: Math.max(0, Math.floor((now - this.startedAt) / 1000)),
      power: 'mains',
      amp: 'on',
      playing,
      volume_pct: playing ? 80 : 0,
      mains_v: round1(r.between(212, 232)),
      battery_v: round1(r.between(13.1, 13.7)),
      relay: 'ok',
      temp_c: round1(r.between(28, 44)),
      ...(link === '4g' && { rssi_dbm: r.int(-105, -60) }),
      ...(link === 'wifi' && { rssi_dbm: r.int(-75, -45) }),
    };
  }

  private logBroadcast(now: number): void {
    const agent = this.agent;
    const occurrence = latestEndedWindow(this.schedule, now, this.options.timeZone);
    if (!agent || !occurrence || occurrence.key === this.lastLogged) return;
    this.lastLogged = occurrence.key;
    const r = this.random;
    const content =
      WINDOW_CONTENT[Math.min(occurrence.index, WINDOW_CONTENT.length - 1)] ?? WINDOW_CONTENT[0];
    const roll = r.next();
    const broadcast: BroadcastInput = {
      // The window's local date and time: unique per device, and the same after a restart, so a
      // re-logged window overwrites itself downstream instead of counting twice.
      id: occurrence.key,
      start: occurrence.start + r.int(0, 90) * 1000,
      end: occurrence.end - r.int(0, 90) * 1000,
      priority: r.chance(0.03) ? 'priority' : 'normal',
      source: content.source,
      status: roll < 0.97 ? 'completed' : roll < 0.99 ? 'interrupted' : 'failed',
      program: content.program,
    };
    agent.publishBroadcast(broadcast).catch((error: unknown) => {
      this.options.logger.debug({ err: error, device: this.id }, 'broadcast log not delivered');
    });
  }
}

function emptyStats(): AgentStats {
  return {
    online: false,
    session: undefined,
    connects: 0,
    heartbeats: 0,
    sent: 0,
    acked: 0,
    failed: 0,
    refused: 0,
    dropped: 0,
    pending: 0,
  };
}

function add(into: AgentStats, from: AgentStats): void {
  into.connects += from.connects;
  into.heartbeats += from.heartbeats;
  into.sent += from.sent;
  into.acked += from.acked;
  into.failed += from.failed;
  into.refused += from.refused;
  into.dropped += from.dropped;
  into.pending += from.pending;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
