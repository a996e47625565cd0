import type { DeviceAddress } from '../protocol/index.js';

/**
 * Presence as the broker sees it (issue #3, point 3): every connect and disconnect of a device, with
 * why it ended. It complements the devices' own `state` messages: a Will says a device is gone, this
 * says how (its keepalive ran out, another connection took its id over, it sent garbage, ...).
 */
export const DISCONNECT_REASONS = [
  /** The device sent DISCONNECT. */
  'client_close',
  /** The socket closed or failed without a DISCONNECT (a 4G link dropped, a reset). */
  'connection_lost',
  /** Nothing arrived for 1.5 × the keepalive (MQTT 3.1.1 §3.1.2.10). */
  'keepalive_timeout',
  /** A new connection with the same client id took the session over (MQTT 3.1.1 §3.1.4). */
  'takeover',
  /** The client sent something that is not MQTT, or an oversize packet. */
  'protocol_error',
  /** A publication broke the access rules or the rate limit; the connection was closed. */
  'refused',
  /** The device left the inventory on a reload. */
  'removed',
  /** The broker itself is stopping. */
  'broker_stop',
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

export interface PresenceEvent {
  address: DeviceAddress;
  online: boolean;
  /** `connect` when online. */
  reason: DisconnectReason | 'connect';
  /** Milliseconds since the epoch, the broker's clock. */
  at: number;
  /**
   * This broker's counter of presence events (0–999,999, wrapping): two events of one device in one
   * millisecond stay distinct, and a stored event redelivered is recognised as the same.
   */
  seq: number;
}

/**
 * Called synchronously for each device connect and disconnect. Like OnAccepted it should make the event
 * durable: the one-machine stack appends it to the ingest's write-ahead log, a standalone `loa broker`
 * publishes it with QoS 1 to the ingest's persistent session (Broker.publish). A throw is counted
 * and logged, never fatal: presence must not keep a device off the broker.
 */
export type OnPresence = (event: PresenceEvent) => void;
