import { msToNs } from '../influx/index.js';
import { decodeBrokerPresence } from '../protocol/index.js';
import type { IncomingMessage } from './pipeline.js';

/**
 * The line of a broker presence record (protocol/broker-presence.ts: the record and its two roads):
 * measurement `broker_presence`, tags from the broker's inventory (province, commune, device) and the
 * reason, field `online`. Its time is the broker's time of the event with the broker's counter in the
 * sub-millisecond digits (a takeover's disconnect and connect in the same millisecond stay two points; a
 * redelivery rewrites the same one). Undefined for a bad record.
 */
export function brokerPresenceLine(message: IncomingMessage): string | undefined {
  const record = decodeBrokerPresence(message.payload);
  if (record === undefined) return undefined;
  const { province, commune, device, online, reason, at, seq } = record;
  const time = msToNs(at ?? message.receivedAt, (seq ?? message.seq) % 1_000_000);
  return (
    `broker_presence,commune=${commune},device=${device},province=${province},reason=${reason} ` +
    `online=${online} ${time}`
  );
}

/** For a refused record's detail. */
export function describeBrokerPresence(message: IncomingMessage): string {
  return `unreadable broker presence record: ${message.payload.toString('utf8').slice(0, 200)}`;
}
