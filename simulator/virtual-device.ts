import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../runtime/index.js';
import {
  AGENT_COUNTS,
  createAgent,
  zeroAgentCounts,
  type Agent,
  type AgentStats,
  type BroadcastInput,
  type EventInput,
  type HeartbeatFields,
  type Outbox,
  type SessionStore,
} from '../devices/index.js';
import {
  deviceTopic,
  PROTOCOL_VERSION,
  type Commune,
  type Device,
  type DeviceAddress,
  type ScheduleWindow,
} from '../protocol/index.js';
import type { DeviceLedger } from './ledger.js';
import { publishPacket, type LinkRelay } from './link-relay.js';
import { inWindow, latestEndedWindow } from './local-time.js';
import { WINDOW_CONTENT } from './programmes.js';
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
  /** Where the agent queues its messages; it outlives the agent, as a real box's disk outbox does. */
  outbox: Outbox;
  /** Notes every message and acknowledgement, for `--verify`. */
  ledger: DeviceLedger;
  /** The device's link, when faults may cut it or slip packets into it: the agent connects through it. */
  relay?: LinkRelay;
}

/** Why the link is down; it comes back when no reason is left. */
export type LinkCut = 'power' | 'link_drop' | 'flapping';

/** What the virtual hardware reports, changed by faults. */
interface Hardware {
  amp: 'on' | 'fault';
  relay: 'ok' | 'tripped';
  power: 'mains' | 'battery';
  /** Mains voltage while a fault holds it (over-voltage); plausible noise otherwise. */
  mainsV: number | undefined;
}

/**
 * One simulated box: the real agent from devices/ with virtual hardware behind its probe. Each heartbeat
 * advances the hardware one step and, every few beats, logs the newest finished broadcast window. Faults
 * (simulator/faults.ts) change the hardware, the clock or the link. A restart makes a fresh agent with the
 * same session store and outbox, as a reboot would.
 */
export class VirtualDevice {
  private agent: Agent | undefined;
  private readonly random: Random;
  private readonly retired: AgentStats = emptyStats();
  private readonly schedule: readonly ScheduleWindow[];
  private startedAt = 0;
  private beats = 0;
  private lastLogged: string | undefined;
  private readonly hw: Hardware = { amp: 'on', relay: 'ok', power: 'mains', mainsV: undefined };
  /**
   * Cuts in force, counted per reason: two faults of one kind that overlap on this device (a random
   * link drop inside a scripted one) keep the link down until the later one ends (issue #14, point 14).
   */
  private readonly cuts = new Map<LinkCut, number>();
  /** Connections made before the latest cut. */
  private connectsAtCut = -1;
  private dark = false;

  constructor(private readonly options: VirtualDeviceOptions) {
    this.random = createRandom(seedFrom(options.device.device, options.seed));
    this.schedule = options.commune.schedule;
  }

  get id(): string {
    return this.options.device.device;
  }

  get device(): Device {
    return this.options.device;
  }

  get isDark(): boolean {
    return this.dark;
  }

  /** Cut off by a fault (4G drop, flapping, power cut). */
  get linkDown(): boolean {
    return this.cuts.size > 0;
  }

  /** The device clock: the simulation's, plus the skew a fault gave it. */
  now(): number {
    return this.options.clock() + this.options.ledger.skewMs;
  }

  async start(): Promise<void> {
    if (this.agent) return;
    const o = this.options;
    const d = o.device;
    this.startedAt = this.now();
    this.agent = createAgent({
      brokerUrl: o.relay?.url ?? o.brokerUrl,
      deviceId: d.device,
      secret: o.secret,
      province: d.province,
      commune: d.commune,
      kind: d.kind,
      hamlets: [...d.hamlets],
      heartbeatS: o.heartbeatS,
      sessionStore: o.sessions,
      outboxStore: o.outbox,
      clock: () => this.now(),
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

  /** The link goes down for `reason` (and stays down until every reason is lifted). */
  cutLink(reason: LinkCut): void {
    this.cuts.set(reason, (this.cuts.get(reason) ?? 0) + 1);
    this.connectsAtCut = this.stats().connects;
    this.options.relay?.cut();
  }

  /**
   * Online on a connection made since the link was last cut. Right after a cut the agent may not have
   * seen its socket close yet and still count itself online; this does not.
   */
  get isBack(): boolean {
    const s = this.stats();
    return this.cuts.size === 0 && s.online && s.pending === 0 && s.connects > this.connectsAtCut;
  }

  /** Lifts one cut of `reason` (none in force: nothing to lift, as when a flapping link is up). */
  restoreLink(reason: LinkCut): void {
    const left = (this.cuts.get(reason) ?? 0) - 1;
    if (left > 0) this.cuts.set(reason, left);
    else this.cuts.delete(reason);
    if (this.cuts.size === 0) this.options.relay?.restore();
  }

  /** Mains lost, the box runs on its backup battery. */
  mainsLost(): void {
    if (this.hw.power === 'battery') return;
    this.hw.power = 'battery';
    this.event({ type: 'power_lost', detail: 'mains lost: running on the backup battery' });
  }

  /** Mains back while the box still ran on battery. */
  mainsRestored(): void {
    if (this.hw.power === 'mains') return;
    this.hw.power = 'mains';
    this.event({ type: 'power_restored', detail: 'mains restored' });
  }

  /**
   * The box loses all power: its connection dies without DISCONNECT (the broker releases the Will) and
   * nothing more is measured. What it had queued stays in its outbox for after the reboot.
   */
  async goDark(): Promise<void> {
    if (this.dark) return;
    this.dark = true;
    this.cutLink('power');
    const agent = this.agent;
    // Wait for the agent to notice the dead link, so that stopping it sends no shutdown state.
    for (let i = 0; i < 200 && agent?.stats().online === true; i++) await sleep(5);
    await this.stop();
  }

  /** Power returns: the box boots, connects (with every other box that lost power) and says why. */
  async wake(): Promise<void> {
    if (!this.dark) return;
    this.dark = false;
    this.hw.power = 'mains';
    this.restoreLink('power');
    this.options.ledger.reboot();
    await this.start();
    this.event({ type: 'reboot', detail: 'power restored after a cut' });
  }

  setAmpFault(fault: boolean): void {
    const amp = fault ? 'fault' : 'on';
    if (this.hw.amp === amp) return;
    this.hw.amp = amp;
    this.event(
      fault
        ? { type: 'amp_fault', detail: 'amplifier output stage fault' }
        : { type: 'amp_restored', detail: 'amplifier back in service' },
    );
  }

  /** Over-voltage trips the protective relay (volts given) or the relay is reset (undefined). */
  setRelayTrip(volts: number | undefined): void {
    const relay = volts === undefined ? 'ok' : 'tripped';
    if (this.hw.relay === relay) return;
    this.hw.relay = relay;
    this.hw.mainsV = volts;
    this.event(
      volts === undefined
        ? { type: 'relay_restored', detail: 'mains back in range, relay reset' }
        : { type: 'relay_tripped', detail: `over-voltage ${volts} V` },
    );
  }

  setClockSkew(ms: number): void {
    this.options.ledger.skewMs = ms;
  }

  /** Logs an emergency bulletin this cluster played. */
  logBulletin(broadcast: Omit<BroadcastInput, 'priority' | 'source' | 'status'>): void {
    this.publishBroadcast({ ...broadcast, priority: 'emergency', source: 'provincial', status: 'completed' });
  }

  /**
   * Slips `count` messages the ingest must refuse into the device's connection, alternately invalid
   * JSON and a heartbeat of the wrong shape. Returns how many went out (none without a connection).
   */
  sendMalformed(count: number): number {
    const topic = deviceTopic(this.options.device, 'heartbeat');
    let sent = 0;
    for (let i = 0; i < count; i++) {
      const payload =
        i % 2 === 0
          ? Buffer.from('{"v":1,"ts":', 'utf8')
          : Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, ts: this.now(), seq: 'x', uptime_s: -1 }));
      if (this.options.relay?.inject(publishPacket(topic, payload))) sent += 1;
    }
    return sent;
  }

  /**
   * Publishes a heartbeat on `victim`'s topic from this device's connection. The broker refuses it and
   * closes the connection (aedes on MQTT 3.1.1); the agent reconnects. Returns whether it went out.
   */
  impersonate(victim: DeviceAddress): boolean {
    const heartbeat = { v: PROTOCOL_VERSION, ts: this.now(), seq: 0, uptime_s: 1, power: 'mains', amp: 'on' };
    const packet = publishPacket(deviceTopic(victim, 'heartbeat'), Buffer.from(JSON.stringify(heartbeat)));
    return this.options.relay?.inject(packet) ?? false;
  }

  stats(): AgentStats {
    const current = this.agent?.stats();
    const total = { ...this.retired, online: current?.online ?? false, session: current?.session };
    if (current) add(total, current);
    // The outbox outlives the agents: what it holds now is the one pending count.
    total.pending = this.options.outbox.stats().records;
    return total;
  }

  /** One heartbeat's worth of virtual hardware: side effects first, then the measurement. */
  private step(): HeartbeatFields {
    const now = this.now();
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
    const hw = this.hw;
    const sounding = playing && hw.amp === 'on' && hw.relay === 'ok';
    return {
      uptime_s: Math.max(0, Math.floor((now - this.startedAt) / 1000)),
      power: hw.power,
      amp: hw.amp,
      playing: sounding,
      volume_pct: sounding ? 80 : 0,
      mains_v: hw.power === 'battery' ? 0 : (hw.mainsV ?? round1(r.between(212, 232))),
      battery_v: round1(hw.power === 'battery' ? r.between(11.8, 12.6) : r.between(13.1, 13.7)),
      relay: hw.relay,
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
    this.publishBroadcast(broadcast);
  }

  private publishBroadcast(broadcast: BroadcastInput): void {
    const agent = this.agent;
    if (!agent) return;
    agent.publishBroadcast(broadcast).catch((error: unknown) => {
      this.options.logger.debug({ err: error, device: this.id }, 'broadcast log not accepted');
    });
  }

  /** An event from the hardware, stamped by the device clock. A dark box reports nothing. */
  private event(event: EventInput): void {
    const agent = this.agent;
    if (!agent || this.dark) return;
    agent.publishEvent({ ts: this.now(), ...event }).catch((error: unknown) => {
      this.options.logger.debug({ err: error, device: this.id }, 'event not accepted');
    });
  }
}

function emptyStats(): AgentStats {
  return { online: false, session: undefined, pending: 0, ...zeroAgentCounts() };
}

function add(into: AgentStats, from: AgentStats): void {
  for (const k of AGENT_COUNTS) into[k] += from[k];
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
