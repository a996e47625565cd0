import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesOptions } from 'aedes';

/**
 * Several embedded brokers sharing one Redis (DESIGN §2, issue #3 point 6): messages between the
 * instances go through mqemitter-redis (Redis pub/sub), and sessions, subscriptions, retained
 * messages and Wills through aedes-persistence-redis, so a device on one instance reaches a
 * subscriber (an ingest) on another. Each instance still applies the inventory's rules to its own
 * clients. Nothing home-made: these are aedes's own packages.
 */
export interface RedisBackend {
  /** The `mq` and `persistence` options of aedes. */
  aedesOptions: Pick<AedesOptions, 'mq' | 'persistence'>;
  /** Closes the persistence's connection (aedes closes the emitter itself). */
  close(): Promise<void>;
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
  const MQEmitterRedis = require('mqemitter-redis') as (options: object) => object;
  const aedesOptions: Pick<AedesOptions, 'mq' | 'persistence'> = {
    mq: MQEmitterRedis(connection),
    persistence: persistence,
  };
  return {
    aedesOptions,
    close: () => persistence.destroy(),
  };
}
