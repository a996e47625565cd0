import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { agentConfigSchema } from '../devices/index.js';
import { LANGS } from '../i18n/index.js';
// Their defaults only, not the folders (docs/architecture.md#folders).
import { COVERAGE_DEFAULTS } from '../coverage/defaults.js';
import { INGEST_DEFAULTS } from '../ingest/defaults.js';
import { secretHashSchema, SLUG_PATTERN } from '../protocol/index.js';

/** Where `loa up` keeps its data and `loa coverage` finds the running system, unless told otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share');
  return join(base, 'loa');
}

const port = z.int().min(0).max(65_535);

/** The InfluxDB database when none is configured (nor recorded by a running `loa up`). */
export const DEFAULT_DATABASE = 'loa';

/** `lang:` in any command's file: the language of what it writes for people (cli/lang.ts). */
const langShape = { lang: z.enum(LANGS).optional() };

const influxSchema = z.strictObject({
  /** An existing InfluxDB 1.x server (or 2.x/3.x through its v1 API); without it `loa up` runs its own. */
  url: z.url().optional(),
  /**
   * Port of the private influxd that `loa up` starts. Not given: 8086, or a free one (printed) when
   * 8086 is taken. Given: that port or a clear refusal when another program holds it; 0 = any free one.
   */
  port: port.optional(),
  /** The influxd binary; default: found on PATH. */
  binary: z.string().optional(),
  database: z.string().min(1).default(DEFAULT_DATABASE),
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
  /** Compress write bodies; by default only when InfluxDB is on another machine. */
  gzip: z.boolean().optional(),
  /** Raw data (heartbeats, presence, events, rejects) is kept this long; older messages are refused. */
  retentionDays: z.int().min(1).max(3650).default(30),
});

const ingestSchema = z.strictObject({
  batchSize: z.int().min(1).max(50_000).default(INGEST_DEFAULTS.batchSize),
  flushIntervalMs: z.int().min(10).max(60_000).default(INGEST_DEFAULTS.flushIntervalMs),
  maxBufferedPoints: z.int().min(1000).default(INGEST_DEFAULTS.maxBufferedPoints),
  /** Disk bound of the write-ahead log, in MiB. */
  walMaxMb: z
    .int()
    .min(16)
    .default(INGEST_DEFAULTS.walMaxBytes / 1024 ** 2),
  fsyncIntervalMs: z.int().min(0).default(INGEST_DEFAULTS.fsyncIntervalMs),
});

/** The shape of a generated province (`loa up --simulate`, `loa simulate generate`). */
const provinceSimulationSchema = z.strictObject({
  communes: z.int().min(1).max(5000).default(3),
  hamletsPerCommune: z.int().min(1).max(100).default(4),
  /** 0 leaves hamlets unserved, which coverage has to report. */
  clustersPerHamlet: z.int().min(0).max(20).default(2),
  fmShare: z.number().min(0).max(1).default(0.1),
  /** The inventory's `heartbeat_s` (5–3600 s); `loa simulate run --heartbeat` may run faster. */
  heartbeatS: z.int().min(5).max(3600).default(10),
  seed: z.int().default(1),
  /**
   * A named province (the simulator's PROVINCE_PRESETS, checked when it is generated, so that this
   * schema does not load the simulator): its shape replaces communes, hamlets, clusters and fmShare.
   */
  preset: z.string().regex(SLUG_PATTERN, 'must be a preset name such as "an-giang"').optional(),
});

export type ProvinceSimulation = z.infer<typeof provinceSimulationSchema>;

/**
 * What `loa broker` and `loa up` both offer of the embedded broker (one fragment, spread into both
 * schemas): the optional TLS and WebSocket listeners, the limits, Redis, service accounts and the
 * credential cache.
 */
const brokerListenerShape = {
  /** A YAML file listing the service accounts (ingest replicas, read-only consoles); none by default. */
  serviceAccounts: z.string().min(1).optional(),
  /**
   * A file keeping verified credentials across restarts (0600). `loa up` keeps one in its data folder
   * by default; `loa broker` keeps them in memory unless given one.
   */
  credentialCache: z.string().min(1).optional(),
  /** An optional TLS listener; with `ca`, a device may log in by a client certificate whose CN is its id. */
  tls: z
    .strictObject({
      port: port.default(8883),
      /** PEM files. */
      key: z.string().min(1),
      cert: z.string().min(1),
      ca: z.string().min(1).optional(),
      /** Mutual TLS only: refuse TLS connections without a valid client certificate. */
      requireClientCert: z.boolean().default(false),
    })
    .optional(),
  /** An optional MQTT-over-WebSocket listener (path /mqtt). */
  ws: z.strictObject({ port }).optional(),
  /** Limits against misbehaving clients (broker/limits.ts); unset ones keep their defaults. */
  limits: z
    .strictObject({
      maxPacketBytes: z.int().min(4200).optional(),
      maxConnections: z.int().min(1).optional(),
      /** Per-device publish token bucket (default 2/s, burst 5,000); 0 turns it off. */
      publishPerSecond: z.number().min(0).optional(),
      publishBurst: z.int().min(1).optional(),
      authFailuresPerClientId: z.int().min(1).optional(),
      authFailuresPerAddress: z.int().min(1).optional(),
      authWindowMs: z.int().min(1000).optional(),
      /** Subscriptions one client may hold, and the longest filter (issue #14). */
      maxSubscriptionsPerClient: z.int().min(1).optional(),
      maxTopicChars: z.int().min(64).optional(),
      /** CONNECTs per (client id, address) and per address (token buckets); 0 turns one off. */
      connectsPerSecond: z.number().min(0).optional(),
      connectBurst: z.int().min(1).optional(),
      connectsPerSecondPerAddress: z.number().min(0).optional(),
      connectBurstPerAddress: z.int().min(1).optional(),
      /** Slow secret checks (scrypt) at once per address and in all; suspect logins waiting at most. */
      slowChecksPerAddress: z.int().min(1).optional(),
      slowChecksForSuspects: z.int().min(1).optional(),
      slowChecksInFlight: z.int().min(1).optional(),
      slowCheckQueue: z.int().min(0).optional(),
      throttledReplyDelayMs: z.int().min(0).max(30_000).optional(),
    })
    .optional(),
  /** `redis://host:port`: several brokers sharing one Redis (mqemitter-redis). */
  redis: z
    .string()
    .regex(/^redis:\/\/[^/\s]+/, 'must be a URL such as redis://127.0.0.1:6379')
    .optional(),
};

export type BrokerListenerConfig = z.infer<z.ZodObject<typeof brokerListenerShape>>;

/** The coverage engine's settings, the same in `loa up` and `loa coverage run`. */
const coverageSchema = z.strictObject({
  /** Alerts are also POSTed here as JSON (chat-bot ready: it carries `text`). */
  webhook: z.url().optional(),
  /** More alerts than this at once go to the webhook as one digest; 0 sends each alone. */
  webhookDigestAbove: z.int().min(0).max(10_000).default(COVERAGE_DEFAULTS.webhookDigestAbove),
  /** Seconds between evaluations of the whole fleet. */
  evaluateEveryS: z
    .number()
    .min(1)
    .max(300)
    .default(COVERAGE_DEFAULTS.evaluateEveryMs / 1000),
  /**
   * After the platform starts, a device is paged only once it had 3 heartbeats plus this long to
   * reconnect: the agents' longest reconnect backoff (60 s by default).
   */
  reconnectSpreadS: z
    .number()
    .min(0)
    .max(3600)
    .default(COVERAGE_DEFAULTS.reconnectSpreadMs / 1000),
  /** A device that published `shutdown` (an intended stop) is paged if still stopped after this long. */
  stoppedPageAfterS: z
    .number()
    .min(0)
    .max(30 * 86_400)
    .default(COVERAGE_DEFAULTS.stoppedPageAfterMs / 1000),
  /**
   * How long a hamlet stays without a working cluster (or a commune at risk) before it is paged:
   * `hamlet_uncovered`, `hamlet_unverified` and `commune_criterion_lost`. The criterion's `riskGraceS`
   * is another thing: when at risk becomes not met.
   */
  hamletAlertAfterS: z
    .number()
    .min(0)
    .max(86_400)
    .default(COVERAGE_DEFAULTS.placeAlertAfterMs / 1000),
});

export const upConfigSchema = z.strictObject({
  ...langShape,
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
  simulation: provinceSimulationSchema.prefault({}),
  ...brokerListenerShape,
  coverage: coverageSchema.prefault({}),
});

export type UpConfig = z.infer<typeof upConfigSchema>;

export const ingestConfigSchema = z.strictObject({
  ...langShape,
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

/**
 * `loa coverage run`: the coverage engine as a service of its own, for deployments whose ingest runs as
 * `loa ingest` replicas. One instance: it needs the whole stream, not a share of it.
 */
export const coverageRunConfigSchema = z.strictObject({
  ...langShape,
  inventory: z.string().min(1),
  broker: z.strictObject({
    url: z.string().min(1),
    username: z.string().optional(),
    password: z.string().optional(),
    clientId: z.string().min(1).default('loa-coverage'),
  }),
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(9467) })
    .prefault({}),
  influx: influxSchema.extend({ url: z.url() }),
  coverage: coverageSchema.prefault({}),
});

export type CoverageRunConfig = z.infer<typeof coverageRunConfigSchema>;

const slug = z.string().regex(SLUG_PATTERN, 'must be a lowercase slug such as "an-giang" (a-z, 0-9, -)');
const mqttUrl = z.string().regex(/^(mqtts?|wss?):\/\/[^/\s]+/, 'must be a URL such as mqtt://127.0.0.1:1883');

/** `loa broker`: the embedded broker alone, for deployments whose ingest replicas consume over MQTT. */
export const brokerConfigSchema = z.strictObject({
  ...langShape,
  inventory: z.string().min(1),
  mqtt: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(1883) })
    .prefault({}),
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: port.default(9466) })
    .prefault({}),
  ...brokerListenerShape,
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;

/** The service accounts file of `loa broker`: `- { username, secret: <hash>, role: ingest|reader }`. */
export const serviceAccountsFileSchema = z
  .array(
    z.strictObject({
      username: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[^\s#+/$]+$/, 'must not contain spaces, "#", "+", "/" or "$"'),
      secret: secretHashSchema,
      role: z.enum(['ingest', 'reader']),
      /** Readers only: an operator console confined to one province. */
      province: slug.optional(),
    }),
  )
  .superRefine((accounts, ctx) => {
    const seen = new Set<string>();
    for (const [i, account] of accounts.entries()) {
      if (seen.has(account.username)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'username'],
          message: `"${account.username}" is defined twice`,
        });
      }
      seen.add(account.username);
      if (account.province !== undefined && account.role !== 'reader') {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'province'],
          message: 'only a reader can be confined to a province',
        });
      }
    }
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The file of `loa agent --config agent.yaml`: the agent's own settings (devices/'s schema, field for
 * field, but unknown keys refused so a typo does not go unnoticed), where the secret may instead come
 * from `secretFile` or the `LOA_AGENT_SECRET` variable, and the log level.
 */
export const agentFileSchema = z.strictObject({
  ...agentConfigSchema.shape,
  secret: agentConfigSchema.shape.secret.optional(),
  /** A file holding the plain secret (one line), readable by the agent only. */
  secretFile: z.string().min(1).optional(),
  logLevel: z.enum(LOG_LEVELS).default('info'),
});

export type AgentFile = z.infer<typeof agentFileSchema>;

/** `loa simulate generate`: a seeded province inventory and the plain secrets of its virtual devices. */
export const simulateGenerateConfigSchema = z.strictObject({
  ...langShape,
  out: z.string().min(1),
  province: z
    .strictObject({
      id: slug.default('an-giang'),
      name: z.string().trim().min(1).max(200).default('An Giang'),
    })
    .prefault({}),
  simulation: provinceSimulationSchema.prefault({}),
});

export type SimulateGenerateConfig = z.infer<typeof simulateGenerateConfigSchema>;

/** `loa simulate run`: one real agent per monitored device of an inventory, against a broker. */
export const simulateRunConfigSchema = z.strictObject({
  ...langShape,
  /** By default the broker of the running `loa up` recorded in `data`. */
  broker: z.strictObject({ url: mqttUrl }).optional(),
  /** By default the inventory of the running `loa up` recorded in `data`. */
  inventory: z.string().min(1).optional(),
  /** The generator's `secrets.json`; by default the one next to the inventory folder. */
  secrets: z.string().min(1).optional(),
  /** A scenario file of faults and emergency bulletins (simulator/README.md). */
  scenario: z.string().min(1).optional(),
  /** Stop by itself after this many seconds (the scenario's `duration` otherwise; none: until a signal). */
  durationS: z.number().positive().optional(),
  /** After the run, check InfluxDB: every acknowledged message stored once, every fault's alert raised. */
  verify: z.boolean().default(false),
  /** How long --verify waits for the platform to catch up before it reports what is missing. */
  verifyTimeoutS: z.number().positive().max(3600).default(60),
  /** The data folder of a running `loa up`: its run record gives InfluxDB, the broker and its metrics. */
  data: z.string().min(1).optional(),
  /** The InfluxDB --verify reads (default: the run record's). */
  influx: z.strictObject({ url: z.url().optional(), database: z.string().min(1).optional() }).prefault({}),
  simulation: z
    .strictObject({
      /** Seconds between heartbeats (fractions allowed); by default each device's `heartbeat_s`. */
      heartbeatS: z.number().positive().max(3600).optional(),
      seed: z.int().default(1),
      /**
       * Longest reconnect delay of a virtual agent, in seconds (a real box waits up to 60): short enough
       * that the backlog of an outage is replayed, and verifiable, soon after the outage ends.
       */
      reconnectMaxS: z.number().min(0.1).max(600).default(15),
    })
    .prefault({}),
});

export type SimulateRunConfig = z.infer<typeof simulateRunConfigSchema>;

/**
 * `loa simulate backfill`: the last N days of a province's telemetry straight into InfluxDB. The target
 * is `--inventory` and `--influx-url`, or else the run record of `loa up` in the data folder.
 */
export const simulateBackfillConfigSchema = z.strictObject({
  ...langShape,
  data: z.string().min(1).default(defaultDataDir()),
  inventory: z.string().min(1).optional(),
  influx: z
    .strictObject({
      url: z.url().optional(),
      database: z.string().min(1).optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      /** The raw retention (days) of the target: points older than that would be dropped by InfluxDB. */
      retentionDays: z.int().min(1).max(3650).default(30),
    })
    .prefault({}),
  backfill: z
    .strictObject({
      /** Enough for the seven-day regularity rule by default. */
      days: z.int().min(1).max(3649).default(8),
      /** Seconds between heartbeats; by default each device's `heartbeat_s`. */
      stepS: z.int().min(1).max(86_400).optional(),
      seed: z.int().default(1),
      /** Per device and local day, the chance that an outage begins. */
      outageChance: z.number().min(0).max(1).default(0.02),
      /** Daily coverage summaries (retention policy `long`) for this many past days; 0: none. */
      summaryDays: z.int().min(0).max(3660).default(0),
    })
    .prefault({}),
});

export type SimulateBackfillConfig = z.infer<typeof simulateBackfillConfigSchema>;

/** `loa simulate load`: many virtual devices over a pool of connections, at a target rate. */
export const simulateLoadConfigSchema = z.strictObject({
  ...langShape,
  broker: z.strictObject({
    url: mqttUrl,
    /** A load-generator account (pooled connections); without it each device logs in as itself. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  }),
  inventory: z.string().min(1),
  /** The generator's `secrets.json` (device accounts); by default the one next to the inventory folder. */
  secrets: z.string().min(1).optional(),
  load: z.strictObject({
    devices: z.int().min(1),
    /** By default one per device (device accounts need that). */
    connections: z.int().min(1).optional(),
    /** Messages per second overall; as fast as acknowledged when absent. */
    rate: z.number().positive().optional(),
    durationS: z.number().positive().max(86_400).default(10),
    inFlight: z.int().min(1).max(1000).default(8),
  }),
});

export type SimulateLoadConfig = z.infer<typeof simulateLoadConfigSchema>;
