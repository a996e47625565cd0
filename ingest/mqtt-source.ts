import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { ALL_TOPICS, SHARED_INGEST_TOPICS } from '../protocol/index.js';
import { sleep, type Logger } from '../runtime/index.js';

export interface MqttSourceOptions {
  /** mqtt://, mqtts://, ws:// … of any MQTT broker (aedes, Mosquitto, EMQX). */
  url: string;
  username?: string;
  password?: string;
  /** Stable across restarts: the broker keeps this session's queue while the ingest is down. */
  clientId: string;
  /**
   * Share the stream among ingest replicas with an MQTT 5 shared subscription
   * (`$share/loa-ingest/loa/v1/#`); needs an MQTT 5 broker such as Mosquitto 2 or EMQX.
   */
  shared?: boolean;
  /** Makes one message durable; throws when it cannot (the message is then not acknowledged). */
  accept: (topic: string, payload: Buffer, receivedAt: number) => void;
  logger: Logger;
  now?: () => number;
}

/**
 * Consumes the stream from an external broker. mqtt.js sends the PUBACK of a QoS 1 message when
 * `handleMessage` calls back (docs/design.md#facts-worth-keeping-at-hand), so the message is appended to the write-ahead log first: a
 * kill after the append loses nothing, a kill before it leaves the message unacknowledged and the
 * broker delivers it again. The session is persistent (clean: false) so the broker queues messages
 * while the ingest restarts.
 */
export function createMqttSource(options: MqttSourceOptions) {
  const { logger, accept } = options;
  const now = options.now ?? Date.now;
  let client: MqttClient | undefined;
  /** Aborted by stop(): wakes the messages held in the retry loop so that they give up at once. */
  const stopping = new AbortController();

  /**
   * Resolves once the message is in the log; rejects when the source stops first, so that mqtt.js
   * never acknowledges it: the broker keeps it for the persistent session and delivers it again.
   */
  async function acceptUntilStored(topic: string, payload: Buffer): Promise<void> {
    const receivedAt = now();
    for (let attempt = 0; ; attempt++) {
      if (stopping.signal.aborted) throw new Error('the ingest source stopped before storing the message');
      try {
        accept(topic, payload, receivedAt);
        return;
      } catch (err) {
        // The log is full or closing: hold the acknowledgement, which stops the flow from the broker
        // (it queues for us) instead of dropping anything.
        if (attempt === 0) logger.error({ err }, 'cannot store message; holding the stream');
        await sleep(1000, stopping.signal);
      }
    }
  }

  return {
    async start(): Promise<void> {
      const clientOptions: IClientOptions = {
        clientId: options.clientId,
        clean: false,
        protocolVersion: options.shared ? 5 : 4,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        ...(options.shared && { properties: { sessionExpiryInterval: 7 * 24 * 3600 } }),
        ...(options.username !== undefined && { username: options.username }),
        ...(options.password !== undefined && { password: options.password }),
      };
      const c = connect(options.url, clientOptions);
      client = c;
      c.handleMessage = (packet, done) => {
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        acceptUntilStored(packet.topic, payload).then(
          () => {
            done();
          },
          (error: unknown) => {
            done(error as Error);
          },
        );
      };
      c.on('error', (err) => {
        logger.warn({ err }, 'ingest MQTT connection error');
      });
      c.on('reconnect', () => {
        logger.info({ url: options.url }, 'ingest reconnecting to the broker');
      });
      await new Promise<void>((resolve, reject) => {
        c.once('connect', (connack) => {
          // A resumed session keeps its subscription; subscribing again is harmless and covers a new one.
          logger.info(
            { url: options.url, sessionPresent: connack.sessionPresent },
            'ingest connected to the broker',
          );
          resolve();
        });
        c.once('error', reject);
      });
      await c.subscribeAsync(options.shared ? SHARED_INGEST_TOPICS : ALL_TOPICS, { qos: 1 });
    },

    /**
     * Publishes on the same connection (QoS 1), for a consumer that also answers, such as the coverage
     * service's alerts: on brokers that make the username the client id (the Mosquitto export), a
     * second connection of the same account would take this one over.
     */
    async publish(topic: string, payload: string, options: { retain: boolean }): Promise<void> {
      if (!client) throw new Error('not started');
      await client.publishAsync(topic, payload, { qos: 1, retain: options.retain });
    },

    /** Whether the connection to the broker is up now. */
    connected(): boolean {
      return client?.connected ?? false;
    },

    async stop(): Promise<void> {
      stopping.abort();
      const c = client;
      client = undefined;
      if (c) await c.endAsync();
    },
  };
}
