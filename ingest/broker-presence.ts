import { BROKER_PRESENCE, decodeBrokerPresence, msToNs } from '../protocol/index.js';

/**
 * The point of a broker presence record (protocol/broker-presence.ts: the record and its two roads):
 * measurement `broker_presence` (protocol/storage.ts), tags from the broker's inventory (province,
 * commune, device) and the reason, field `online`. Its time is the broker's time of the event with the
 * broker's counter in the sub-millisecond digits (a takeover's disconnect and connect in the same
 * millisecond stay two points; a redelivery rewrites the same one); a record without them takes the
 * receipt time and log sequence it came with. Undefined for a bad record.
 *
 * It takes the message's parts rather than the pipeline's message type, so that the pipeline imports
 * this file and nothing here imports the pipeline back.
 */
export function brokerPresenceLine(payload: Buffer, receivedAt: number, logSeq: number): string | undefined {
  const record = decodeBrokerPresence(payload);
  if (record === undefined) return undefined;
  const { province, commune, device, online, reason, at, seq } = record;
  return BROKER_PRESENCE.line(
    { province, commune, device, reason },
    { online },
    msToNs(at ?? receivedAt, (seq ?? logSeq) % 1_000_000),
  );
}

/** For a refused record's detail. */
export function describeBrokerPresence(payload: Buffer): string {
  return `unreadable broker presence record: ${payload.toString('utf8').slice(0, 200)}`;
}
