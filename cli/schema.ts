import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** Where `loa up` keeps its data and `loa coverage` finds the running system, unless told otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  return join(base, 'loa');
}

const port = z.int().min(0).max(65_535);

const influxSchema = z.strictObject({
  /** An existing InfluxDB 1.x server (or 2.x/3.x through its v1 API); without it `loa up` runs its own. */
  url: z.url().optional(),
  /** Port of the private influxd that `loa up` starts; if taken, a free one is used and printed. */
  port: port.default(8086),
  /** The influxd binary; default: found on PATH. */
  binary: z.string().optional(),
  database: z.string().min(1).default('loa'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Write through the v2 API (InfluxDB 1.8+, 2.x, 3.x) instead of the v1 `/write` endpoint. */
  v2: z
    .strictObject({
      url: z.url(),
      token: z.string().min(1),
      org: z.string().min(1),
      bucket: z.string().min(1),
    })
    .optional(),
  /** Raw data (heartbeats, presence, events, rejects) is kept this long; older messages are refused. */
  retentionDays: z.int().min(1).max(3650).default(30),
});

const ingestSchema = z.strictObject({
  batchSize: z.int().min(1).max(50_000).default(5000),
  flushIntervalMs: z.int().min(10).max(60_000).default(200),
  maxBufferedPoints: z.int().min(1000).default(100_000),
  /** Disk bound of the write-ahead log, in MiB. */
  walMaxMb: z.int().min(16).default(2048),
  fsyncIntervalMs: z.int().min(0).default(1000),
});

export const upConfigSchema = z.strictObject({
  data: z.string().min(1).default(defaultDataDir()),
  /** Folder of province files; with `--simulate` and none given, a simulated province is generated. */
  inventory: z.string().min(1).optional(),
  simulate: z.boolean().default(false),
  mqtt: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(1883) })
    .prefault({}),
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(9464) })
    .prefault({}),
  influx: influxSchema.prefault({}),
  ingest: ingestSchema.prefault({}),
  simulation: z
    .strictObject({
      communes: z.int().min(1).max(5000).default(3),
      hamletsPerCommune: z.int().min(1).max(100).default(4),
      clustersPerHamlet: z.int().min(1).max(20).default(2),
      fmShare: z.number().min(0).max(1).default(0.1),
      heartbeatS: z.int().min(1).max(3600).default(10),
      seed: z.int().default(1),
    })
    .prefault({}),
});

export type UpConfig = z.infer<typeof upConfigSchema>;

export const ingestConfigSchema = z.strictObject({
  data: z.string().min(1).default(defaultDataDir()),
  inventory: z.string().min(1),
  broker: z.strictObject({
    url: z.string().min(1),
    username: z.string().optional(),
    password: z.string().optional(),
    clientId: z.string().min(1).default('loa-ingest'),
    /** MQTT 5 shared subscription among replicas (`$share/loa-ingest/loa/v1/#`). */
    shared: z.boolean().default(false),
  }),
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(9465) })
    .prefault({}),
  influx: influxSchema.extend({ url: z.url() }),
  ingest: ingestSchema.prefault({}),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;
