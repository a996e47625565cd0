import type { Logger } from '../runtime/index.js';
import {
  deviceTopic,
  PROTOCOL_VERSION,
  type BroadcastMessage,
  type Channel,
  type DeviceAddress,
  type EventMessage,
  type MessageOf,
  type MetaMessage,
} from '../protocol/index.js';
import { readFile } from 'node:fs/promises';
import { LOA_VERSION } from '../runtime/index.js';
import { createBackoff } from './backoff.js';
import { keepaliveFor, parseAgentConfig, type AgentConfig, type AgentConfigInput } from './config.js';
import { createDiskOutbox } from './disk-outbox.js';
import { Forwarder } from './forwarder.js';
import { MqttLink, type LinkTls, type Will } from './link.js';
import {
  createMemoryOutbox,
  OutboxFullError,
  type Outbox,
  type OutboxRecord,
  type OutboxStats,
  type QueuedChannel,
} from './outbox.js';
import { CLOCK_FLOOR_MS, createClockGate, type ClockGate } from './clock.js';
import { encodeMessage, MessageRefusedError, oldestTime } from './outgoing.js';
import { createConfiguredProbe } from './probes.js';
import { fulfilsWithin } from './timeout.js';
import { defaultProbe, type HeartbeatFields, type Probe } from './probe.js';
import {
  createFileSessionStore,
  createMemorySessionStore,
  SessionFileError,
  type SessionStore,
} from './session.js';

/** Reported in `meta.firmware` unless the configuration names the box's own firmware. */
export const AGENT_FIRMWARE = `loa-agent/${LOA_VERSION}`;

export interface AgentOptions extends AgentConfigInput {
  logger: Logger;
  /**
   * Milliseconds since the Unix epoch for `ts` fields; the device clock. Before CLOCK_FLOOR_MS it is
   * taken as not set yet (a box without RTC boots in 1970): see clock.ts.
   */
  clock?: () => number;
  /** Measures the box once per heartbeat; the default reports mains power and the amplifier on. */
  probe?: Probe;
  /** Where the session counter lives; by default `dataDir/session`, or memory without a dataDir. */
  sessionStore?: SessionStore;
  /** Where accepted messages wait for the broker; by default on disk under dataDir, else in memory. */
  outboxStore?: Outbox;
  /**
   * Whether the MQTT library pre-builds a buffer for each of the 65,536 packet ids (about 6 MB, once per
   * process, shared by its clients). Worth it where many agents share a process (the simulator), and
   * where a broker does (the setting is global to the process); `loa agent`, alone on a small box,
   * turns it off. Default true.
   */
  packetIdCache?: boolean;
}

/** A broadcast log entry as the caller knows it; the agent adds the protocol version. */
export type BroadcastInput = Omit<BroadcastMessage, 'v'>;
/** An event as the caller knows it; `ts` defaults to now. */
export type EventInput = Omit<EventMessage, 'v' | 'ts'> & { ts?: number };

export type StopReason = 'shutdown';

export interface AgentStats {
  /** Connected and born (meta and state online acknowledged). */
  online: boolean;
  /** Session of the newest connect; undefined before the first one. */
  session: number | undefined;
  /** Connections that came up. */
  connects: number;
  /** Heartbeats built (the next heartbeat's `seq`), whether delivered, thinned or dropped. */
  heartbeats: number;
  /** Messages handed to the link (a replay counts again), and of those: acknowledged, failed. */
  sent: number;
  acked: number;
  failed: number;
  /** Messages refused by the protocol's schema (never sent). */
  refused: number;
  /** Messages not accepted because the outbox was full (heartbeats after thinning, then the rest). */
  dropped: number;
  /** Messages in the outbox (accepted, not yet acknowledged by the broker) now. */
  pending: number;
  /** Why the broker did not take the box lately (devices/refusal.ts), until it is online again. */
  refusal?: { refusal: string; line: string };
}

/** The fields of AgentStats that count since the agent started (`pending` is a level, not a count). */
export const AGENT_COUNTS = [
  'connects',
  'heartbeats',
  'sent',
  'acked',
  'failed',
  'refused',
  'dropped',
] as const;
export type AgentCounts = Record<(typeof AGENT_COUNTS)[number], number>;

/** Every count at zero: an agent's start, or the start of a sum over agents (the simulator). */
export function zeroAgentCounts(): AgentCounts {
  return Object.fromEntries(AGENT_COUNTS.map((k) => [k, 0])) as AgentCounts;
}

/** The outbox's figures, and what happens around it in the agent. */
export interface AgentOutboxStats extends OutboxStats {
  /** Backlog messages older than `outbox.maxAgeDays`, deleted unsent: the platform would refuse them. */
  expired: number;
  /** Messages the agent stamped itself while the clock was not set, waiting for it in memory. */
  held: number;
}

export interface Agent {
  /**
   * Starts connecting and resolves once the first attempt has settled: born (see `stats().online`) or
   * failed, in which case the agent keeps retrying with backoff.
   */
  start(): Promise<void>;
  /** Publishes the retained `shutdown` state, disconnects cleanly and stops the heartbeat. */
  stop(reason?: StopReason): Promise<void>;
  /**
   * Validates one broadcast log entry and accepts it into the outbox; resolves once accepted (it is then
   * delivered whatever happens to the link or the process). Rejects with MessageRefusedError (invalid)
   * or OutboxFullError (no room: the caller keeps it and tries later).
   */
  publishBroadcast(broadcast: BroadcastInput): Promise<void>;
  /** As publishBroadcast, for one event. */
  publishEvent(event: EventInput): Promise<void>;
  stats(): AgentStats;
  outboxStats(): AgentOutboxStats;
}

/** Kept for callers of the earlier API: a full outbox now refuses with OutboxFullError. */
export { OutboxFullError as BacklogFullError };

/**
 * The edge agent of one station or cluster (docs/protocol.md): presence with a session-numbered Will and birth,
 * heartbeats from a probe, broadcast logs and events. Creating it does no I/O; start() does.
 */
export function createAgent(options: AgentOptions): Agent {
  const config = parseAgentConfig(options);
  return new DeviceAgent(config, options);
}

class DeviceAgent implements Agent {
  private readonly address: DeviceAddress;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly probe: Probe;
  private readonly sessions: SessionStore;
  private readonly link: MqttLink;
  private readonly outbox: Outbox;
  private readonly forwarder: Forwarder;
  private readonly gate: ClockGate;
  private readonly maxAgeMs: number;
  private expiredLogTimer: NodeJS.Timeout | undefined;
  private expiredSinceLog = 0;

  private phase: 'new' | 'running' | 'stopped' = 'new';
  /** The outbox is recovered and accepts messages. */
  private opened = false;
  private lastSession: number | undefined;
  private sessionLoaded = false;
  private born = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private firstAttempt: (() => void) | undefined;
  private readonly counters = zeroAgentCounts();
  /** Kept apart from `counters`: AgentStats is the simulator's sum over devices. */
  private expired = 0;

  constructor(
    private readonly config: AgentConfig,
    options: AgentOptions,
  ) {
    this.address = { province: config.province, commune: config.commune, device: config.deviceId };
    this.log = options.logger.child({ device: config.deviceId });
    this.clock = options.clock ?? Date.now;
    this.maxAgeMs = config.outbox.maxAgeDays * 86_400_000;
    this.gate = createClockGate({
      clock: this.clock,
      logger: this.log,
      accept: (channel, message) => {
        this.enqueue(channel, message);
      },
    });
    this.probe =
      options.probe ??
      (config.probes === undefined
        ? defaultProbe
        : createConfiguredProbe(config.probes, { logger: this.log }));
    this.sessions =
      options.sessionStore ??
      (config.dataDir === undefined ? createMemorySessionStore() : createFileSessionStore(config.dataDir));
    this.outbox =
      options.outboxStore ??
      (config.dataDir === undefined
        ? createMemoryOutbox({ maxRecords: config.maxPending })
        : createDiskOutbox({
            dataDir: config.dataDir,
            maxBytes: Math.floor(config.outbox.maxMb * 1024 * 1024),
            segmentBytes: config.outbox.segmentKb * 1024,
            fsyncMs: config.outbox.fsyncMs,
            logger: this.log,
          }));
    this.forwarder = new Forwarder({
      outbox: this.outbox,
      publish: (record) =>
        this.link.publish(deviceTopic(this.address, record.channel), record.payload, false),
      window: config.outbox.window,
      replayPerS: config.outbox.replayPerS,
      expired: (record) => this.isExpired(record),
      onExpired: () => {
        this.noteExpired();
      },
      onSent: () => (this.counters.sent += 1),
      onAcked: () => (this.counters.acked += 1),
      onFailed: () => (this.counters.failed += 1),
    });
    this.link = new MqttLink({
      brokerUrl: config.brokerUrl,
      fallbackUrls: config.fallbackBrokerUrls ?? [],
      clientId: config.deviceId,
      username: config.deviceId,
      password: config.secret,
      keepaliveS: keepaliveFor(config.heartbeatS),
      packetIdCache: options.packetIdCache ?? true,
      connectTimeoutMs: config.connectTimeoutMs,
      backoff: createBackoff(config.reconnect),
      logger: this.log,
      beforeConnect: () => this.prepareConnect(),
      onUp: () => this.birth(),
      onDown: (wasUp) => {
        this.born = false;
        this.forwarder.pause();
        if (wasUp) this.log.info({ session: this.lastSession }, 'offline');
        this.settleFirstAttempt();
      },
    });
  }

  start(): Promise<void> {
    if (this.phase !== 'new') return Promise.reject(new Error(`the agent is ${this.phase}`));
    this.phase = 'running';
    const settled = new Promise<void>((resolve) => {
      this.firstAttempt = resolve;
    });
    return this.open().then(() => settled);
  }

  /** Recovers the outbox, reads the TLS files, then starts the heartbeat and the link. */
  private async open(): Promise<void> {
    try {
      await this.outbox.open();
      this.opened = true;
      const tls = await readTls(this.config.tls);
      if (!this.isRunning()) {
        // Stopped while starting: stop() may have closed the outbox before it was open.
        await this.outbox.close();
        return;
      }
      // Heartbeats start now, not at the first birth: a box that boots with its link down still records
      // a day of them in the outbox.
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatS * 1000);
      void this.heartbeat();
      this.link.start(tls);
    } catch (error) {
      this.phase = 'stopped';
      await this.outbox.close().catch(() => undefined);
      throw error;
    }
  }

  async stop(reason: StopReason = 'shutdown'): Promise<void> {
    if (this.phase !== 'running') {
      this.phase = 'stopped';
      return;
    }
    this.phase = 'stopped';
    clearInterval(this.heartbeatTimer);
    this.forwarder.pause();
    this.flushExpiredLog();
    const lost = this.gate.discard();
    if (lost > 0) {
      this.counters.dropped += lost;
      this.log.warn({ held: lost }, 'stopped before the clock was set: held messages dropped');
    }
    const wasOnline = this.link.connected;
    if (wasOnline && this.lastSession !== undefined) {
      const shutdown = this.send(
        'state',
        { v: PROTOCOL_VERSION, ...this.stamp(), online: false, session: this.lastSession, reason },
        true,
      );
      if (!(await fulfilsWithin(shutdown, this.config.stopTimeoutMs))) {
        this.log.warn('shutdown state not acknowledged in time');
      }
    }
    await this.link.stop(wasOnline, this.config.stopTimeoutMs);
    this.opened = false;
    await this.outbox.close();
    this.born = false;
    this.settleFirstAttempt();
    this.log.info({ session: this.lastSession, reason }, 'stopped');
  }

  publishBroadcast(broadcast: BroadcastInput): Promise<void> {
    return this.sendFromCaller('broadcast', { ...broadcast, v: PROTOCOL_VERSION });
  }

  publishEvent(event: EventInput): Promise<void> {
    if (event.ts === undefined) {
      // The agent stamps it: with the clock not set, it waits for the clock like a heartbeat.
      return this.sendFromCaller('event', { ...event, v: PROTOCOL_VERSION, ts: 0 }, true);
    }
    return this.sendFromCaller('event', { ...event, v: PROTOCOL_VERSION, ts: event.ts });
  }

  stats(): AgentStats {
    return {
      online: this.born,
      session: this.lastSession,
      ...this.counters,
      pending: this.outbox.stats().records,
      ...(this.link.lastRefusal !== undefined && { refusal: this.link.lastRefusal }),
    };
  }

  outboxStats(): AgentOutboxStats {
    return { ...this.outbox.stats(), expired: this.expired, held: this.gate.held() };
  }

  /**
   * Allocates the next session (durably, before the connect that uses it) and returns its Will. Waits
   * for the clock first: the birth's `meta` needs a time the platform accepts.
   */
  private async prepareConnect(): Promise<Will> {
    if (!this.gate.isSet()) {
      // start() resolves: the agent runs (and holds its heartbeats) while it waits.
      this.settleFirstAttempt();
      await this.gate.whenSet(() => this.isRunning());
    }
    if (!this.isRunning()) throw new Error('the agent stopped');
    if (!this.sessionLoaded) {
      this.lastSession = await this.loadSession();
      this.sessionLoaded = true;
    }
    const session = this.lastSession === undefined ? 0 : this.lastSession + 1;
    await this.sessions.save(session);
    this.lastSession = session;
    return {
      topic: deviceTopic(this.address, 'state'),
      // A Will has no device time (docs/protocol.md): the platform stamps it on receipt.
      payload: encodeMessage('state', { v: PROTOCOL_VERSION, online: false, session, reason: 'lost' }),
      qos: 1,
      retain: true,
    };
  }

  private async loadSession(): Promise<number | undefined> {
    try {
      return await this.sessions.load();
    } catch (error) {
      if (!(error instanceof SessionFileError)) throw error;
      // Starting again from 0 would make every birth look older than the last death the platform saw.
      // Seconds since the epoch are above any counter a box reaches by reconnecting, so order survives.
      const fallback = Math.floor(this.clock() / 1000);
      this.log.warn(
        { err: error, session: fallback },
        'session counter unreadable; continuing from the clock',
      );
      return fallback;
    }
  }

  /** Publishes meta, then the online state: the platform knows what the device is before it is up. */
  private async birth(): Promise<void> {
    const session = this.lastSession;
    if (session === undefined) throw new Error('connected without a session');
    const connection = ++this.counters.connects;
    await this.send('meta', this.meta(), true);
    await this.send(
      'state',
      { v: PROTOCOL_VERSION, ...this.stamp(), online: true, session, reason: 'boot' },
      true,
    );
    // A birth whose connection dropped completes late, on the next connection, from mqtt.js's store:
    // only the birth of the current connection makes the device online.
    if (!this.isRunning() || !this.link.connected || connection !== this.counters.connects) return;
    this.born = true;
    const backlog = this.outbox.stats().records;
    this.log.info({ session, ...(backlog > 0 && { backlog }) }, 'online');
    // Only after the birth: on the wire, a connection's heartbeats follow its meta and online state.
    this.forwarder.resume();
    this.settleFirstAttempt();
  }

  private meta(): MetaMessage {
    const extra = this.config.meta ?? {};
    return {
      ...extra,
      v: PROTOCOL_VERSION,
      ts: this.clock(),
      kind: this.config.kind,
      firmware: extra.firmware ?? AGENT_FIRMWARE,
      ...(this.config.hamlets !== undefined && { hamlets: this.config.hamlets }),
      heartbeat_s: Math.max(1, Math.round(this.config.heartbeatS)),
    };
  }

  private async heartbeat(): Promise<void> {
    // A probe slower than the interval skips beats rather than piling them up.
    if (this.probing || !this.isRunning()) return;
    this.probing = true;
    let fields: HeartbeatFields;
    try {
      fields = await this.probe();
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'probe failed; heartbeat skipped');
      return;
    } finally {
      this.probing = false;
    }
    if (!this.isRunning()) return;
    // Every heartbeat built takes the next `seq`, whether or not it gets through: a gap on the platform's
    // side means one was not delivered (refused here, or dropped from a full outbox).
    const seq = this.counters.heartbeats;
    this.counters.heartbeats += 1;
    try {
      // Stamped now, or held until the clock is set and then stamped with the time it was built.
      if (!this.gate.submit('heartbeat', { ...fields, v: PROTOCOL_VERSION, ts: 0, seq })) {
        this.counters.dropped += 1;
      }
    } catch (error) {
      // Refusals are counted and logged where they happen; the rest is the disk failing.
      if (!(error instanceof MessageRefusedError)) {
        this.log.error({ err: error, seq }, 'heartbeat not stored');
      }
    }
  }

  // async: a refusal thrown by enqueue() becomes the rejection of the returned promise.
  // eslint-disable-next-line @typescript-eslint/require-await
  private async sendFromCaller<C extends 'broadcast' | 'event'>(
    channel: C,
    message: MessageOf[C],
    stampHere = false,
  ): Promise<void> {
    if (this.phase !== 'running') throw new Error(`the agent is ${this.phase}`);
    if (!this.opened) throw new Error('the agent is starting');
    if (stampHere && channel === 'event') {
      // Checked now, so that a bad record is refused to the caller even if it then waits for the clock.
      this.encode('event', { ...(message as MessageOf['event']), ts: CLOCK_FLOOR_MS });
      if (!this.gate.submit('event', message as MessageOf['event'])) {
        this.counters.dropped += 1;
        throw new OutboxFullError(channel);
      }
      return;
    }
    // A time the caller stamped before the clock was set can never be corrected: refused with the reason.
    const time = channel === 'broadcast' ? (message as BroadcastInput).start : (message as EventInput).ts;
    if (time !== undefined && time < CLOCK_FLOOR_MS) {
      const field = channel === 'broadcast' ? 'start' : 'ts';
      this.counters.refused += 1;
      throw new MessageRefusedError(channel, [
        `${field}: ${new Date(time).toISOString()} is before ${new Date(CLOCK_FLOOR_MS).toISOString()}: ` +
          'stamped by a clock that was not set',
      ]);
    }
    // Older than the platform keeps: it would be dropped unsent from the outbox (or refused by the
    // ingest as ts_too_old), so the caller is told now instead of hearing "accepted" (issue #14, point 12).
    const now = this.clock();
    if (time !== undefined && now >= CLOCK_FLOOR_MS && time < now - this.maxAgeMs) {
      const field = channel === 'broadcast' ? 'start' : 'ts';
      this.counters.refused += 1;
      throw new MessageRefusedError(channel, [
        `${field}: ${new Date(time).toISOString()} is older than the platform keeps ` +
          `(${this.config.outbox.maxAgeDays} days): it would never be stored`,
      ]);
    }
    this.enqueue(channel, message);
  }

  /** `ts` for presence, left out while the clock is not set (the platform then uses receipt time). */
  private stamp(): { ts?: number } {
    const now = this.clock();
    return now >= CLOCK_FLOOR_MS ? { ts: now } : {};
  }

  /** A backlog record older than the platform keeps: sending it would only fill its reject counters. */
  private isExpired(record: OutboxRecord): boolean {
    const now = this.clock();
    // With the clock not set, nothing can be judged old.
    if (now < CLOCK_FLOOR_MS) return false;
    const time = oldestTime(record.channel, record.payload);
    return time !== undefined && time < now - this.maxAgeMs;
  }

  /** One log line per burst of expired records (a long outage can expire thousands at once). */
  private noteExpired(): void {
    this.expired += 1;
    this.expiredSinceLog += 1;
    this.expiredLogTimer ??= setTimeout(() => {
      this.flushExpiredLog();
    }, 1_000);
  }

  private flushExpiredLog(): void {
    clearTimeout(this.expiredLogTimer);
    this.expiredLogTimer = undefined;
    if (this.expiredSinceLog === 0) return;
    this.log.warn(
      {
        expired: this.expiredSinceLog,
        total_expired: this.expired,
        max_age_days: this.config.outbox.maxAgeDays,
      },
      'outbox: messages older than the platform keeps dropped',
    );
    this.expiredSinceLog = 0;
  }

  /**
   * The way out for heartbeats, broadcasts and events: validate, accept into the outbox (synchronously,
   * so the outbox order is the order of the calls), let the forwarder send it when it can.
   */
  private enqueue<C extends QueuedChannel>(channel: C, message: MessageOf[C]): void {
    const payload = this.encode(channel, message);
    let seq: number | undefined;
    try {
      seq = this.outbox.append(channel, payload);
    } catch (error) {
      if (error instanceof OutboxFullError) {
        this.counters.dropped += 1;
        this.log.warn({ channel }, 'outbox full: message refused');
      }
      throw error;
    }
    if (seq === undefined) {
      this.counters.dropped += 1;
      this.log.warn({ channel }, 'outbox full: heartbeat dropped');
      return;
    }
    this.forwarder.pump();
  }

  /** Presence (`meta`, `state`) goes straight to the link: it belongs to one connection, never replayed. */
  private async send<C extends Channel>(channel: C, message: MessageOf[C], retain: boolean): Promise<void> {
    const payload = this.encode(channel, message);
    this.counters.sent += 1;
    try {
      await this.link.publish(deviceTopic(this.address, channel), payload, retain);
      this.counters.acked += 1;
    } catch (error) {
      this.counters.failed += 1;
      throw error;
    }
  }

  /**
   * A message the agent made itself and refused is a fault of the agent or its probes: logged as an
   * error. One handed in by a caller (the playout software's broadcasts and events) is refused to that
   * caller with the reason, and the local input logs it once as `local record refused`.
   */
  private encode<C extends Channel>(channel: C, message: MessageOf[C]): Buffer {
    try {
      return encodeMessage(channel, message);
    } catch (error) {
      this.counters.refused += 1;
      if (channel !== 'broadcast' && channel !== 'event') {
        this.log.error({ err: error, channel }, 'outgoing message refused');
      }
      throw error;
    }
  }

  /** A method, so that a check after an await is not narrowed away by the same check before it. */
  private isRunning(): boolean {
    return this.phase === 'running';
  }

  private settleFirstAttempt(): void {
    const settle = this.firstAttempt;
    this.firstAttempt = undefined;
    settle?.();
  }
}

async function readTls(tls: AgentConfig['tls']): Promise<LinkTls> {
  if (tls === undefined) return {};
  const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}
