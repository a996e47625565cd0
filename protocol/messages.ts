import { z } from 'zod';
import { MAX_BROADCAST_MS } from './limits.js';
import { SLUG_PATTERN } from './slug.js';

/**
 * Payload schemas of wire contract v1 (docs/protocol.md), one per channel. `z.object` drops unknown keys, so
 * newer firmware with extra fields stays readable; a missing or mistyped known field fails with its path.
 */

const version = z.literal(1);
/** Milliseconds since the Unix epoch, UTC, from the device clock. */
const epochMs = z.int().nonnegative();
const text = (max: number) => z.string().max(max);

export const POWER_SOURCES = ['mains', 'battery', 'solar'] as const;
export const AMP_STATES = ['on', 'off', 'fault'] as const;
export const RELAY_STATES = ['ok', 'tripped'] as const;
export const DEVICE_KINDS = ['station', 'cluster'] as const;
export const REPORTED_LINKS = ['4g', 'ethernet', 'wifi'] as const;
export const STATE_REASONS = ['boot', 'shutdown', 'lost'] as const;
export const PRIORITIES = ['normal', 'priority', 'emergency'] as const;
export const SOURCES = ['national', 'provincial', 'commune', 'live'] as const;
export const BROADCAST_STATUSES = ['completed', 'interrupted', 'failed'] as const;
export const EVENT_TYPES = [
  'power_lost',
  'power_restored',
  'relay_tripped',
  'relay_restored',
  'amp_fault',
  'amp_restored',
  'tamper',
  'reboot',
] as const;

export const stateSchema = z.object({
  v: version,
  online: z.boolean(),
  /** +1 on every connect, kept across reboots: orders births and deaths (Sparkplug's bdSeq rule). */
  session: z.int().nonnegative(),
  ts: epochMs.optional(),
  reason: z.enum(STATE_REASONS).optional(),
});

export const metaSchema = z.object({
  v: version,
  ts: epochMs,
  kind: z.enum(DEVICE_KINDS),
  firmware: text(64).min(1),
  hamlets: z.array(z.string().regex(SLUG_PATTERN)).max(64).optional(),
  link: z.enum(REPORTED_LINKS).optional(),
  model: text(64).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  speakers: z.int().min(0).max(1000).optional(),
  heartbeat_s: z.int().min(1).max(86_400).optional(),
});

export const heartbeatSchema = z.object({
  v: version,
  ts: epochMs,
  seq: z.int().nonnegative(),
  uptime_s: z.number().nonnegative(),
  power: z.enum(POWER_SOURCES),
  amp: z.enum(AMP_STATES),
  playing: z.boolean().optional(),
  volume_pct: z.number().min(0).max(100).optional(),
  mains_v: z.number().min(0).max(1000).optional(),
  battery_v: z.number().min(0).max(100).optional(),
  relay: z.enum(RELAY_STATES).optional(),
  rssi_dbm: z.number().min(-200).max(0).optional(),
  temp_c: z.number().min(-60).max(150).optional(),
});

export const broadcastSchema = z
  .object({
    v: version,
    /** Unique per device; the device's own log id. */
    id: text(64).min(1),
    start: epochMs,
    end: epochMs,
    priority: z.enum(PRIORITIES),
    source: z.enum(SOURCES),
    status: z.enum(BROADCAST_STATUSES),
    program: text(200).optional(),
    /** Bulletin id from the provincial source system. */
    bulletin: text(64).optional(),
  })
  .refine((b) => b.end >= b.start, { message: 'end must not be before start', path: ['end'] })
  .refine((b) => b.end - b.start <= MAX_BROADCAST_MS, {
    message: 'a broadcast lasts at most 24 hours',
    path: ['end'],
  });

export const eventSchema = z.object({
  v: version,
  ts: epochMs,
  type: z.enum(EVENT_TYPES),
  detail: text(500).optional(),
});

export type StateMessage = z.infer<typeof stateSchema>;
export type MetaMessage = z.infer<typeof metaSchema>;
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;
export type BroadcastMessage = z.infer<typeof broadcastSchema>;
export type EventMessage = z.infer<typeof eventSchema>;

export const channelSchemas = {
  state: stateSchema,
  meta: metaSchema,
  heartbeat: heartbeatSchema,
  broadcast: broadcastSchema,
  event: eventSchema,
} as const;

export interface MessageOf {
  state: StateMessage;
  meta: MetaMessage;
  heartbeat: HeartbeatMessage;
  broadcast: BroadcastMessage;
  event: EventMessage;
}
