import type { Logger } from 'pino';
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
import { createBackoff } from './backoff.js';
import { keepaliveFor, parseAgentConfig, type AgentConfig, type AgentConfigInput } from './config.js';
import { MqttLink, type Will } from './link.js';
import { encodeMessage, MessageRefusedError } from './outgoing.js';
import { fulfilsWithin } from './timeout.js';
import { defaultProbe, type HeartbeatFields, type Probe } from './probe.js';
import {
  createFileSessionStore,
  createMemorySessionStore,
  SessionFileError,
  type SessionStore,
} from './session.js';

/** Reported in `meta.firmware` unless the configuration names the box's own firmware. */
export const AGENT_FIRMWARE = 'loa-agent/0.1.0';

export interface AgentOptions extends AgentConfigInput {
  logger: Logger;
  /** Milliseconds since the Unix epoch for `ts` fields; the device clock. */
  clock?: () => number;
  /** Measures the box once per heartbeat; the default reports mains power and the amplifier on. */
  probe?: Probe;
  /** Where the session counter lives; by default `dataDir/session`, or memory without a dataDir. */
  sessionStore?: SessionStore;
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
  /** Heartbeats handed to the link (the next heartbeat's `seq`). */
  heartbeats: number;
  /** Messages handed to the link, and of those: acknowledged by the broker, failed. */
  sent: number;
  acked: number;
  failed: number;
  /** Messages refused by the protocol's schema (never sent). */
  refused: number;
  /** Messages dropped because `maxPending` were already waiting for acknowledgement. */
  dropped: number;
  /** Messages waiting for acknowledgement now. */
  pending: number;
}

export interface Agent {
  /**
   * Starts connecting and resolves once the first attempt has settled: born (see `stats().online`) or
   * failed, in which case the agent keeps retrying with backoff.
   */
  start(): Promise<void>;
  /** Publishes the retained `shutdown` state, disconnects cleanly and stops the heartbeat. */
  stop(reason?: StopReason): Promise<void>;
  /** Validates and publishes one broadcast log entry; resolves on the broker's acknowledgement. */
  publishBroadcast(broadcast: BroadcastInput): Promise<void>;
  /** Validates and publishes one event; resolves on the broker's acknowledgement. */
  publishEvent(event: EventInput): Promise<void>;
  stats(): AgentStats;
}

/** A message that was not queued because too many were waiting for acknowledgement. */
export class BacklogFullError extends Error {
  constructor(readonly channel: Channel) {
    super(`${channel} message dropped: too many messages are waiting for acknowledgement`);
    this.name = 'BacklogFullError';
  }
}

/**
 * The edge agent of one station or cluster (DESIGN §3): presence with a session-numbered Will and birth,
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

  private phase: 'new' | 'running' | 'stopped' = 'new';
  private lastSession: number | undefined;
  private sessionLoaded = false;
  private born = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private firstAttempt: (() => void) | undefined;
  private readonly counters = {
    connects: 0,
    heartbeats: 0,
    sent: 0,
    acked: 0,
    failed: 0,
    refused: 0,
    dropped: 0,
    pending: 0,
  };

  constructor(
    private readonly config: AgentConfig,
    options: AgentOptions,
  ) {
    this.address = { province: config.province, commune: config.commune, device: config.deviceId };
    this.log = options.logger.child({ device: config.deviceId });
    this.clock = options.clock ?? Date.now;
    this.probe = options.probe ?? defaultProbe;
    this.sessions =
      options.sessionStore ??
      (config.dataDir === undefined ? createMemorySessionStore() : createFileSessionStore(config.dataDir));
    this.link = new MqttLink({
      brokerUrl: config.brokerUrl,
      clientId: config.deviceId,
      username: config.deviceId,
      password: config.secret,
      keepaliveS: keepaliveFor(config.heartbeatS),
      connectTimeoutMs: config.connectTimeoutMs,
      backoff: createBackoff(config.reconnect),
      logger: this.log,
      beforeConnect: () => this.prepareConnect(),
      onUp: () => this.birth(),
      onDown: (wasUp) => {
        this.born = false;
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
    this.link.start();
    return settled;
  }

  async stop(reason: StopReason = 'shutdown'): Promise<void> {
    if (this.phase !== 'running') {
      this.phase = 'stopped';
      return;
    }
    this.phase = 'stopped';
    clearInterval(this.heartbeatTimer);
    const wasOnline = this.link.connected;
    if (wasOnline && this.lastSession !== undefined) {
      const shutdown = this.send(
        'state',
        { v: PROTOCOL_VERSION, ts: this.clock(), online: false, session: this.lastSession, reason },
        true,
      );
      if (!(await fulfilsWithin(shutdown, this.config.stopTimeoutMs))) {
        this.log.warn('shutdown state not acknowledged in time');
      }
    }
    await this.link.stop(wasOnline, this.config.stopTimeoutMs);
    this.born = false;
    this.settleFirstAttempt();
    this.log.info({ session: this.lastSession, reason }, 'stopped');
  }

  publishBroadcast(broadcast: BroadcastInput): Promise<void> {
    return this.sendFromCaller('broadcast', { ...broadcast, v: PROTOCOL_VERSION });
  }

  publishEvent(event: EventInput): Promise<void> {
    return this.sendFromCaller('event', { ...event, v: PROTOCOL_VERSION, ts: event.ts ?? this.clock() });
  }

  stats(): AgentStats {
    return { online: this.born, session: this.lastSession, ...this.counters };
  }

  /** Allocates the next session (durably, before the connect that uses it) and returns its Will. */
  private async prepareConnect(): Promise<Will> {
    if (!this.sessionLoaded) {
      this.lastSession = await this.loadSession();
      this.sessionLoaded = true;
    }
    const session = this.lastSession === undefined ? 0 : this.lastSession + 1;
    await this.sessions.save(session);
    this.lastSession = session;
    return {
      topic: deviceTopic(this.address, 'state'),
      // A Will has no device time (DESIGN §3): the platform stamps it on receipt.
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
      { v: PROTOCOL_VERSION, ts: this.clock(), online: true, session, reason: 'boot' },
      true,
    );
    // A birth whose connection dropped completes late, on the next connection, from mqtt.js's store:
    // only the birth of the current connection makes the device online.
    if (!this.isRunning() || !this.link.connected || connection !== this.counters.connects) return;
    this.born = true;
    this.log.info({ session }, 'online');
    if (this.heartbeatTimer === undefined) {
      // The heartbeat runs from the first birth on, through outages (offline heartbeats wait in the
      // link's store), so `seq` and its gaps mean the same thing everywhere.
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatS * 1000);
      void this.heartbeat();
    }
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
      this.log.warn({ err: error }, 'probe failed; heartbeat skipped');
      return;
    } finally {
      this.probing = false;
    }
    if (!this.isRunning()) return;
    // Every heartbeat built takes the next `seq`, whether or not it gets through: a gap on the platform's
    // side means one was not delivered (refused here, dropped or lost on the way).
    const seq = this.counters.heartbeats;
    this.counters.heartbeats += 1;
    try {
      await this.send('heartbeat', { ...fields, v: PROTOCOL_VERSION, ts: this.clock(), seq }, false);
    } catch (error) {
      // Refusals and drops are counted and logged where they happen; the rest is a lost connection.
      if (!(error instanceof MessageRefusedError || error instanceof BacklogFullError)) {
        this.log.debug({ err: error, seq }, 'heartbeat not acknowledged');
      }
    }
  }

  private sendFromCaller<C extends 'broadcast' | 'event'>(channel: C, message: MessageOf[C]): Promise<void> {
    if (this.phase !== 'running') return Promise.reject(new Error(`the agent is ${this.phase}`));
    return this.send(channel, message, false);
  }

  /**
   * The one way out: validate, bound the backlog, publish with QoS 1, count. Everything before the
   * publish runs synchronously, so messages reach the link in the order they were sent.
   */
  private async send<C extends Channel>(channel: C, message: MessageOf[C], retain: boolean): Promise<void> {
    let payload: Buffer;
    try {
      payload = encodeMessage(channel, message);
    } catch (error) {
      this.counters.refused += 1;
      this.log.error({ err: error, channel }, 'outgoing message refused');
      throw error;
    }
    // Presence is never dropped: it is small, retained, and what the platform orders deaths by.
    const presence = channel === 'state' || channel === 'meta';
    if (!presence && this.counters.pending >= this.config.maxPending) {
      this.counters.dropped += 1;
      throw new BacklogFullError(channel);
    }
    this.counters.sent += 1;
    this.counters.pending += 1;
    try {
      await this.link.publish(deviceTopic(this.address, channel), payload, retain);
      this.counters.acked += 1;
    } catch (error) {
      this.counters.failed += 1;
      throw error;
    } finally {
      this.counters.pending -= 1;
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
