import { msToNs } from '../influx/index.js';
import { isSlug, type DeviceAddress } from '../protocol/index.js';
import type { IncomingMessage } from './pipeline.js';

/**
 * Presence as the broker sees it (issue #3, point 3): connects and disconnects with their reason, kept
 * as durably as telemetry. The embedded broker hands each event to `Ingest.acceptBrokerPresence`, which
 * appends it to the same write-ahead log under a topic no device can publish (`$` topics are refused by
 * the broker and never match `loa/v1/#`), and the pipeline turns it into a `broker_presence` point.
 */
export const BROKER_PRESENCE_TOPIC = '$loa/broker/presence';

export interface BrokerPresenceEvent {
  address: DeviceAddress;
  online: boolean;
  /** `connect`, or why the session ended (broker/presence.ts lists them). */
  reason: string;
  at: number;
}

/** Reasons are a short fixed list on the broker's side; this keeps a bad one out of the tag set. */
const REASON = /^[a-z_]{1,32}$/;

export function encodeBrokerPresence(event: BrokerPresenceEvent): Buffer {
  const { province, commune, device } = event.address;
  return Buffer.from(
    JSON.stringify({ province, commune, device, online: event.online, reason: event.reason }),
    'utf8',
  );
}

/**
 * The line of a broker presence event: measurement `broker_presence`, tags from the broker's inventory
 * (province, commune, device) and the reason, field `online`. Its time is the receipt time with the
 * log sequence in the sub-millisecond digits, like a reject: a takeover's disconnect and connect in the
 * same millisecond stay two points, and a replay rewrites the same ones. Undefined for a bad record.
 */
export function brokerPresenceLine(message: IncomingMessage): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message.payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { province, commune, device, online, reason } = value as Record<string, unknown>;
  if (typeof province !== 'string' || typeof commune !== 'string' || typeof device !== 'string')
    return undefined;
  if (!isSlug(province) || !isSlug(commune) || !isSlug(device)) return undefined;
  if (typeof online !== 'boolean' || typeof reason !== 'string' || !REASON.test(reason)) return undefined;
  return (
    `broker_presence,commune=${commune},device=${device},province=${province},reason=${reason} ` +
    `online=${online} ${msToNs(message.receivedAt, message.seq % 1_000_000)}`
  );
}

/** For a refused record's detail. */
export function describeBrokerPresence(message: IncomingMessage): string {
  return `unreadable broker presence record: ${message.payload.toString('utf8').slice(0, 200)}`;
}
