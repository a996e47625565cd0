import { z } from 'zod';
import { DEVICE_KINDS, REPORTED_LINKS, SLUG_PATTERN } from '../protocol/index.js';
import { DEFAULT_BACKOFF } from './backoff.js';

const slug = z.string().regex(SLUG_PATTERN, 'must be a lowercase slug such as "vinh-an" (a-z, 0-9, -)');

/**
 * The agent's settings that are plain data (what `loa agent --config agent.yaml` will read), checked once
 * before any I/O. Injected collaborators (logger, clock, probe, session store) are not part of it.
 */
export const agentConfigSchema = z.object({
  /** `mqtt://host:1883`, `mqtts://…`, `ws://…` or `wss://…`. */
  brokerUrl: z.string().regex(/^(mqtts?|wss?):\/\/[^/\s]+/, 'must be a URL such as mqtt://host:1883'),
  /** The device id from the inventory; also the MQTT client id and user name. */
  deviceId: slug,
  /** The plain secret whose hash is in the inventory; sent as the MQTT password. */
  secret: z.string().min(1),
  province: slug,
  commune: slug,
  kind: z.enum(DEVICE_KINDS),
  /** Hamlets a cluster serves, as in the inventory; reported in `meta`. */
  hamlets: z.array(slug).max(64).optional(),
  /**
   * Seconds between heartbeats. Fractions are allowed for tests and simulations; `meta` reports it
   * rounded to whole seconds (at least 1), as the wire contract wants.
   */
  heartbeatS: z.number().positive().max(86_400),
  /** Folder for the agent's own state (the session counter); in memory when absent. */
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
  /** Reconnect delays (full-jitter exponential backoff). */
  reconnect: z
    .object({ minMs: z.int().positive(), maxMs: z.int().positive() })
    .refine((r) => r.maxMs >= r.minMs, { message: 'maxMs must not be below minMs', path: ['maxMs'] })
    .default({ minMs: DEFAULT_BACKOFF.minMs, maxMs: DEFAULT_BACKOFF.maxMs }),
  connectTimeoutMs: z.int().positive().default(30_000),
  /** How long stop() waits for the broker to acknowledge the shutdown state and the disconnect. */
  stopTimeoutMs: z.int().positive().default(5_000),
  /**
   * Unacknowledged messages the agent keeps at most (queued while offline included); beyond it new
   * heartbeats, broadcasts and events are dropped and counted. The on-disk outbox will replace this.
   */
  maxPending: z.int().positive().default(1_000),
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

/** MQTT keepalive: about two heartbeats, at most 60 s, whole seconds (DESIGN §3: pings only speed up detection). */
export function keepaliveFor(heartbeatS: number): number {
  return Math.min(60, Math.max(1, Math.ceil(2 * heartbeatS)));
}
