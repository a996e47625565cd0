import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesOptions } from 'aedes';

/**
 * Several embedded brokers sharing one Redis (docs/architecture.md, issue #3 point 6): messages between the
 * instances go through mqemitter-redis (Redis pub/sub), and sessions, subscriptions, retained
 * messages and Wills through aedes-persistence-redis, so a device on one instance reaches a
 * subscriber (an ingest) on another. Each instance still applies the inventory's rules to its own
 * clients. Nothing home-made: these are aedes's own packages.
 */
export interface RedisBackend {
  /** The `mq` and `persistence` options of aedes. */
  aedesOptions: Pick<AedesOptions, 'mq' | 'persistence'>;
  /**
   * Calls `listener` when an instance announces a new client (aedes publishes `$SYS/{brokerId}/new/clients`
   * with the client id, and every other instance closes its own session of that id). Registered before
   * aedes is created, it runs before aedes's own listener (mqemitter calls listeners in the order they
   * were added), so the session about to be closed can be marked a takeover.
   */
  onNewClient(listener: (brokerId: string, clientId: string) => void): void;
  /** Closes the persistence's connection (aedes closes the emitter itself). */
  close(): Promise<void>;
}

/** What is used here of an mqemitter (mqemitter-redis has no typings). */
interface Emitter {
  on(
    topic: string,
    listener: (packet: { topic: string; payload?: unknown }, done: () => void) => void,
    done?: () => void,
  ): void;
}

interface AsyncRedisPersistence {
  destroy(): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
}

// The async persistence class (what aedes 1.x needs) is not the package's main export and has no
// typings; the callback wrapper that is would be refused by aedes.
const require = createRequire(import.meta.url);

/** The Redis clients connect as they are created. */
export function createRedisBackend(url: string): RedisBackend {
  const { hostname, port, password, pathname } = new URL(url);
  const db = pathname.length > 1 ? Number(pathname.slice(1)) : 0;
  const connection = {
    host: hostname,
    port: port === '' ? 6379 : Number(port),
    db,
    ...(password !== '' && { password: decodeURIComponent(password) }),
  };
  const Persistence = require('aedes-persistence-redis/asyncPersistence.js') as new (
    options: object,
  ) => AsyncRedisPersistence;
  const persistence = new Persistence(connection);
  // aedes 1.2 pipes the retained messages of a new subscription with `.pipe()`, which the redis
  // persistence's async generator lacks: make it a stream (the other generators go through
  // `pipeline` or `for await`, which take them as they are).
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  Object.assign(persistence, {
    createRetainedStreamCombi: (patterns: string[]) => Readable.from(combi(patterns)),
    createRetainedStream: (pattern: string) => Readable.from(combi([pattern])),
  });
  // Loaded here, not at the top: the Redis packages cost every broker tens of MB of memory, and only
  // a broker configured with Redis needs them.
  const MQEmitterRedis = require('mqemitter-redis') as (options: object) => Emitter;
  const mq = MQEmitterRedis(connection);
  const aedesOptions: Pick<AedesOptions, 'mq' | 'persistence'> = { mq, persistence };
  return {
    aedesOptions,
    onNewClient(listener) {
      mq.on('$SYS/+/new/clients', (packet, done) => {
        const brokerId = packet.topic.split('/')[1] ?? '';
        const { payload } = packet;
        const clientId = Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload);
        listener(brokerId, clientId);
        done();
      });
    },
    close: () => persistence.destroy(),
  };
}
