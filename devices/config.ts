import { z } from 'zod';
import {
  DEFAULT_HEARTBEAT_S,
  DEFAULT_RETENTION_MS,
  DEVICE_KINDS,
  REPORTED_LINKS,
  SLUG_PATTERN,
} from '../protocol/index.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { probesConfigSchema } from './probes.js';

const brokerUrl = z
  .string()
  .regex(/^(mqtts?|wss?):\/\/[^/\s]+/, 'must be a URL such as mqtt://host:1883 or mqtts://host:8883');

const DAY_MS = 86_400_000;

const slug = z.string().regex(SLUG_PATTERN, 'must be a lowercase slug such as "vinh-an" (a-z, 0-9, -)');

/**
 * The agent's settings that are plain data (what `loa agent --config agent.yaml` will read), checked once
 * before any I/O. Injected collaborators (logger, clock, probe, session store) are not part of it.
 */
export const agentConfigSchema = z
  .object({
    /** `mqtt://host:1883`, `mqtts://…`, `ws://…` or `wss://…`. */
    brokerUrl: brokerUrl,
    /** Further brokers, tried in turn after `brokerUrl` when a connection attempt fails. */
    fallbackBrokerUrls: z.array(brokerUrl).max(8).optional(),
    /** TLS for mqtts:// and wss://: PEM files of a private CA and of the box's client certificate. */
    tls: z
      .strictObject({
        caFile: z.string().min(1),
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
      })
      .partial()
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
        message: 'certFile and keyFile go together',
        path: ['keyFile'],
      })
      .optional(),
    /** The device id from the inventory; also the MQTT client id and user name. */
    deviceId: slug,
    /**
     * The plain secret whose hash is in the inventory; sent as the MQTT password. Not needed with a
     * client certificate (`tls.certFile`), whose CN the broker takes as the device id.
     */
    secret: z.string().min(1).optional(),
    province: slug,
    commune: slug,
    kind: z.enum(DEVICE_KINDS),
    /** Hamlets a cluster serves, as in the inventory; reported in `meta`. */
    hamlets: z.array(slug).max(64).optional(),
    /**
     * Seconds between heartbeats. Fractions are allowed for tests and simulations; `meta` reports it
     * rounded to whole seconds (at least 1), as the wire contract wants. Unset: the inventory's default,
     * as the inventory assumes for a device without `heartbeat_s`.
     */
    heartbeatS: z.number().positive().max(86_400).default(DEFAULT_HEARTBEAT_S),
    /** Folder for the agent's own state (session counter, outbox); in memory when absent. */
    dataDir: z.string().min(1).optional(),
    /** Extra `meta` fields describing the box. */
    meta: z
      .object({
        firmware: z.string().min(1).max(64),
        link: z.enum(REPORTED_LINKS),
        model: z.string().max(64),
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
        speakers: z.int().min(0).max(1000),
      })
      .partial()
      .optional(),
    /** Where each heartbeat field comes from (see docs/agent.md); without it: mains power, amplifier on. */
    probes: probesConfigSchema.optional(),
    /** The local interface for the playout software: HTTP on 127.0.0.1 and a JSON-lines file to tail. */
    local: z
      .strictObject({
        /** Port of the HTTP endpoint on 127.0.0.1; 0 picks a free one (printed at start). */
        httpPort: z.int().min(0).max(65_535).optional(),
        /** A JSON-lines file the playout software appends broadcasts and events to. */
        tailFile: z.string().min(1).optional(),
      })
      .optional(),
    /** Reconnect delays (full-jitter exponential backoff). */
    reconnect: z
      .object({ minMs: z.int().positive(), maxMs: z.int().positive() })
      .refine((r) => r.maxMs >= r.minMs, { message: 'maxMs must not be below minMs', path: ['maxMs'] })
      .default({ minMs: DEFAULT_BACKOFF.minMs, maxMs: DEFAULT_BACKOFF.maxMs }),
    connectTimeoutMs: z.int().positive().default(30_000),
    /** How long stop() waits for the broker to acknowledge the shutdown state and the disconnect. */
    stopTimeoutMs: z.int().positive().default(5_000),
    /**
     * Without a dataDir: messages the in-memory outbox keeps at most (the simulator's mode). With one, the
     * outbox is on disk and bounded by `outbox.maxMb`.
     */
    maxPending: z.int().positive().default(1_000),
    /** The on-disk store-and-forward queue (see docs/agent.md). */
    outbox: z
      .strictObject({
        /** Disk bound; beyond it the oldest heartbeats are thinned, then new ones dropped. */
        maxMb: z.number().positive().max(65_536).default(64),
        segmentKb: z.int().min(4).max(65_536).default(1_024),
        /** Interval of fdatasync for heartbeats; broadcasts and events are synced at once. 0 = never. */
        fsyncMs: z.int().min(0).default(1_000),
        /** Backlog messages replayed per second after an outage (live ones are not limited). */
        replayPerS: z.number().positive().max(100_000).default(20),
        /** Messages in flight (published, not yet acknowledged) at most. */
        window: z.int().min(1).max(1_000).default(16),
        /**
         * Messages older than this are dropped (counted and logged) instead of sent: the platform refuses
         * what is older than its retention (`retentionDays` of the ingest, 30 by default).
         */
        maxAgeDays: z
          .number()
          .positive()
          .max(3_650)
          .default(DEFAULT_RETENTION_MS / DAY_MS),
      })
      .prefault({}),
  })
  // A box needs one way to prove who it is; which one is the operator's choice.
  .refine((c) => c.secret !== undefined || c.tls?.certFile !== undefined, {
    message: 'missing: give the secret, or a client certificate (tls.certFile and tls.keyFile)',
    path: ['secret'],
  });

export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type AgentConfig = z.output<typeof agentConfigSchema>;

/** A setting that cannot work: each problem as `path: message`. */
export class AgentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid agent configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'AgentConfigError';
  }
}

export function parseAgentConfig(input: unknown): AgentConfig {
  const result = agentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new AgentConfigError(
    result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(config)'}: ${issue.message}`),
  );
}

/** MQTT keepalive: about two heartbeats, at most 60 s, whole seconds (docs/protocol.md: pings only speed up detection). */
export function keepaliveFor(heartbeatS: number): number {
  return Math.min(60, Math.max(1, Math.ceil(2 * heartbeatS)));
}
