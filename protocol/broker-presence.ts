import { z } from 'zod';
import { SLUG_PATTERN } from './slug.js';
import { PLATFORM_DEVICE, TOPIC_ROOT, type DeviceAddress } from './topic.js';

/**
 * Presence as the broker sees it (issue #3, point 3): connects and disconnects with their reason, kept
 * as durably as telemetry, by one of two roads to the same `broker_presence` point:
 *
 * - in one process (`loa up`), the embedded broker hands each event to the ingest, which appends it to
 *   the write-ahead log under BROKER_PRESENCE_TOPIC, a topic no client can publish (`$` topics are
 *   refused by the broker and never match `loa/v1/#`);
 * - across processes (`loa broker` + `loa ingest`), the broker publishes it with QoS 1 on
 *   `loa/v1/{province}/{commune}/_platform/broker-presence`, which devices can never write (the
 *   `_platform` pseudo-device) and which `loa ingest` already receives with `loa/v1/#`: it is appended
 *   to the log on receipt, before the PUBACK, like every message.
 *
 * Either way the record is the same JSON, and the point's key comes from the record alone (the broker's
 * clock and counter), so a redelivered or replayed record overwrites itself: each event is stored once.
 * A contract between the broker and the ingest, not with devices: here so that neither imports the other.
 */
export const BROKER_PRESENCE_TOPIC = '$loa/broker/presence';

/** The last level of the MQTT road's topic, under `_platform`. */
const PLATFORM_LEVEL = 'broker-presence';
const PLATFORM_SUFFIX = `/${PLATFORM_DEVICE}/${PLATFORM_LEVEL}`;

export interface BrokerPresenceEvent {
  address: DeviceAddress;
  online: boolean;
  /** `connect`, or why the session ended (broker/presence.ts lists them). */
  reason: string;
  /** The broker's clock, milliseconds since the epoch. */
  at: number;
  /** The broker's counter of presence events: two events of one device in one millisecond stay two. */
  seq?: number;
}

/** `loa/v1/{province}/{commune}/_platform/broker-presence`: where a broker publishes a device's presence. */
export function brokerPresenceTopic({ province, commune }: DeviceAddress): string {
  return `${TOPIC_ROOT}/${province}/${commune}${PLATFORM_SUFFIX}`;
}

/** Whether a platform topic (`loa/v1/{p}/{c}/_platform/...`) is the MQTT road's. */
export function isBrokerPresenceTopic(platformTopic: string): boolean {
  return platformTopic.endsWith(PLATFORM_SUFFIX);
}

const slug = z.string().regex(SLUG_PATTERN);

/**
 * The record, checked at the edge: over MQTT it comes from the network. Reasons are a short fixed list
 * on the broker's side; the pattern keeps a bad one out of the tag set. `at` and `seq` are optional
 * only for records an older version left in a write-ahead log.
 */
export const brokerPresenceRecordSchema = z.object({
  province: slug,
  commune: slug,
  device: slug,
  online: z.boolean(),
  reason: z.string().regex(/^[a-z_]{1,32}$/),
  at: z.int().min(0).optional(),
  seq: z.int().min(0).optional(),
});

export type BrokerPresenceRecord = z.infer<typeof brokerPresenceRecordSchema>;

export function encodeBrokerPresence(event: BrokerPresenceEvent): Buffer {
  const { province, commune, device } = event.address;
  const { online, reason, at, seq } = event;
  return Buffer.from(JSON.stringify({ province, commune, device, online, reason, at, seq }), 'utf8');
}

/** The record in a payload, or undefined when it is not one. */
export function decodeBrokerPresence(payload: Buffer): BrokerPresenceRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = brokerPresenceRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
