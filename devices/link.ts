import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../runtime/index.js';
import type { Backoff } from './backoff.js';
import { REFUSAL_LINES, refusalOf, type Refusal } from './refusal.js';
import { fulfilsWithin } from './timeout.js';

/** The Last Will registered with one connection attempt. */
export type Will = NonNullable<IClientOptions['will']>;

/** PEM contents for TLS: a private CA, and the box's client certificate and key. */
export interface LinkTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface LinkOptions {
  brokerUrl: string;
  /** Tried in turn after brokerUrl, one per connection attempt, then round again. */
  fallbackUrls: readonly string[];
  clientId: string;
  username: string;
  /** Absent when the box proves who it is with a client certificate. */
  password: string | undefined;
  keepaliveS: number;
  connectTimeoutMs: number;
  /** See AgentOptions.packetIdCache. */
  packetIdCache: boolean;
  backoff: Backoff;
  logger: Logger;
  /**
   * Runs before every connection attempt and returns the Will for it. The agent allocates the next
   * presence session here: the Will has to carry it, and the connect packet is the only place a Will goes.
   */
  beforeConnect(): Promise<Will>;
  /** Runs once a connection is up; what it publishes goes out before anything queued later. */
  onUp(): Promise<void>;
  /** Runs when a connection attempt ends, whether it was ever up or not. */
  onDown(wasUp: boolean): void;
}

/**
 * One MQTT connection to the broker, kept up with our own reconnect loop.
 *
 * mqtt.js reconnects on a fixed `reconnectPeriod` and registers the Will it was given at construction;
 * we need a growing, jittered delay and a new Will (the next session) on every attempt, and the session
 * has to be durable before the attempt starts. So mqtt.js runs with `manualConnect` and
 * `reconnectPeriod: 0`, and this class calls `client.connect()` itself after updating `options.will`.
 * The client object, and with it mqtt.js's store of unacknowledged QoS 1 packets, lives across
 * reconnects: what was not acknowledged is sent again on the next connection.
 */
export class MqttLink {
  private client: MqttClient | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private up = false;
  private stopping = false;
  private attempted = false;
  /** The current attempt already logged its error. */
  private errored = false;
  /** The birth of the current connection was acknowledged (onUp resolved). */
  private born = false;
  /** The previous connection was accepted, then closed before its birth got through. */
  private droppedAtBirth = false;
  /** Why the broker did not take the box lately; cleared by a birth. */
  private refusal: Refusal | undefined;

  /** The operator's line for the latest refusal, until a connection is accepted and born. */
  get lastRefusal(): { refusal: Refusal; line: string } | undefined {
    return this.refusal === undefined
      ? undefined
      : { refusal: this.refusal, line: REFUSAL_LINES[this.refusal] };
  }

  constructor(private readonly options: LinkOptions) {}

  get connected(): boolean {
    return this.up;
  }

  start(tls: LinkTls = {}): void {
    if (this.client) throw new Error('the link is already started');
    const o = this.options;
    this.client = connect(o.brokerUrl, {
      ...tls,
      // mqtt.js moves to the next of `servers` on every stream it builds, i.e. every connect() below.
      ...(o.fallbackUrls.length > 0 && { servers: [o.brokerUrl, ...o.fallbackUrls].map(serverOf) }),
      clientId: o.clientId,
      username: o.username,
      ...(o.password !== undefined && { password: o.password }),
      // MQTT 3.1.1: what aedes speaks, and what every MQTT 5 broker accepts too.
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS,
      connectTimeout: o.connectTimeoutMs,
      manualConnect: true,
      reconnectPeriod: 0,
      writeCache: o.packetIdCache,
    });
    this.client.on('connect', () => {
      this.up = true;
      this.born = false;
      o.backoff.reset();
      o.onUp().then(
        () => {
          this.born = true;
          this.droppedAtBirth = false;
          this.refusal = undefined;
        },
        (error: unknown) => {
          // Expected when the link drops meanwhile: the reason, no stack.
          o.logger.warn({ error: (error as Error).message }, 'birth failed; waiting for the next connection');
        },
      );
    });
    // Every attempt ends in exactly one 'close': a refused TCP connect, a CONNACK refusal or timeout,
    // a keepalive timeout, a dropped socket or our own end().
    this.client.on('close', () => {
      const wasUp = this.up;
      this.up = false;
      if (!this.stopping) {
        // Accepted, then closed before the birth got through, and again: the broker refuses what this
        // box publishes, which for a box whose secret it took means the topics' province or commune.
        // (mqtt.js resends the refused birth before it reports the next connection, so that one looks
        // "closed before accepted".)
        const refusedBirth = (wasUp && !this.born) || (!wasUp && !this.errored);
        if (refusedBirth && this.droppedAtBirth) this.noteRefusal('wrong_place', {});
        // A TLS handshake the broker ends (a client certificate it does not trust) raises no 'error':
        // without this line the operator would see the agent retry in silence.
        else if (!wasUp && !this.errored) o.logger.warn('connection closed before the broker accepted it');
        this.droppedAtBirth = (wasUp && !this.born) || (refusedBirth && this.droppedAtBirth);
      }
      this.errored = false;
      o.onDown(wasUp);
      if (!this.stopping) this.scheduleAttempt();
    });
    // Without a listener an 'error' event would throw; the 'close' that follows drives the retry.
    this.client.on('error', (error: Error & { code?: unknown }) => {
      this.errored = true;
      const code = typeof error.code === 'number' || typeof error.code === 'string' ? error.code : undefined;
      // The agent's lines are read by the person at the box: the message, never a stack (docs/agent.md).
      this.noteRefusal(refusalOf(error), { error: error.message, ...(code !== undefined && { code }) });
    });
    this.attempt();
  }

  /** Resolves on the broker's PUBACK (QoS 1); while offline the packet waits in mqtt.js's store. */
  async publish(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    if (!this.client || this.stopping) throw new Error('the link is not running');
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  /**
   * Ends the connection. `graceful` sends DISCONNECT, so the broker discards the Will [MQTT-3.14.4-3];
   * otherwise the socket is dropped and the broker publishes it.
   */
  async stop(graceful: boolean, timeoutMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    // Before the first connect() there is no socket, and mqtt.js's end() would trip over the missing stream.
    if (!client || !this.attempted) return;
    if (!graceful || !this.up) {
      await client.endAsync(true);
      return;
    }
    // end(false) first waits for in-flight packets to be acknowledged: bounded, so that a dead link cannot
    // hang stop(). A second end() would be ignored while the first is pending, so the fallback destroys
    // the socket itself (and the broker publishes the Will, which is then the truth).
    if (!(await fulfilsWithin(client.endAsync(false), timeoutMs))) {
      this.options.logger.warn('broker did not acknowledge in time; dropping the connection');
      client.stream.destroy();
    }
  }

  /**
   * Logs why the broker did not take the box: once when the reason changes (warn), then at debug level
   * on every retry, so a box refused for a day writes one line, not 17,000. Expected failures carry
   * their message, never a stack.
   */
  private noteRefusal(refusal: Refusal, fields: Record<string, unknown>): void {
    const level = refusal === this.refusal ? 'debug' : 'warn';
    this.refusal = refusal;
    this.options.logger[level]({ refusal, ...fields }, REFUSAL_LINES[refusal]);
  }

  private scheduleAttempt(): void {
    if (this.retryTimer !== undefined) return;
    const wait = this.options.backoff.next();
    this.options.logger.debug({ wait_ms: wait }, 'reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempt();
    }, wait);
  }

  private attempt(): void {
    const client = this.client;
    if (!client || this.stopping) return;
    this.options.beforeConnect().then(
      (will) => {
        if (this.stopping) return;
        client.options.will = will;
        this.attempted = true;
        client.connect();
      },
      (error: unknown) => {
        // Stopped while it was being prepared (waiting for the clock, say): nothing to report.
        if (this.stopping) return;
        this.options.logger.error({ err: error }, 'cannot prepare the connection');
        this.options.onDown(false);
        this.scheduleAttempt();
      },
    );
  }
}

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };

function serverOf(url: string): { host: string; port: number; protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol.replace(/:$/, '') as 'mqtt' | 'mqtts' | 'ws' | 'wss';
  return { host: parsed.hostname, port: Number(parsed.port) || (DEFAULT_PORTS[protocol] ?? 1883), protocol };
}
