import {
  BROADCAST,
  DEVICE_META,
  EVENT,
  HEARTBEAT,
  msToNs,
  PRESENCE,
  type BroadcastMessage,
  type Channel,
  type EventMessage,
  type HeartbeatMessage,
  type MessageOf,
  type MetaMessage,
  type StateMessage,
} from '../protocol/index.js';
import type { DeviceSeries } from './device-tags.js';

/**
 * One handler per channel (CONTRIBUTING.md#types-and-modules), each turning a validated message into one
 * point of its measurement in the storage schema (protocol/storage.ts, which fixes every field's type).
 * The time of a point is the device's own time, so a replayed or redelivered message lands on the same
 * key and overwrites itself: storage is idempotent. Heartbeat and presence fields carry the payload's
 * own names, so the message itself is the point's field set (what the schema does not list is not
 * written).
 */
/** When and in what order the ingest received a message (its write-ahead log sequence). */
export interface Receipt {
  receivedAt: number;
  seq: number;
}

type Handler<C extends Channel> = (series: DeviceSeries, message: MessageOf[C], receipt: Receipt) => string;

const heartbeat: Handler<'heartbeat'> = (s, m: HeartbeatMessage) =>
  HEARTBEAT.line.point(s.heartbeat, m, msToNs(m.ts));

/**
 * A Will carries no device time (docs/protocol.md): its receipt time, kept in the write-ahead log, stands in,
 * with the log sequence in the sub-millisecond digits (issue #14, point 5): two Wills received in one
 * millisecond stay two points, and a replay of the log rewrites the same ones.
 */
const state: Handler<'state'> = (s, m: StateMessage, { receivedAt, seq }) =>
  PRESENCE.line.point(s.presence, m, m.ts === undefined ? msToNs(receivedAt, seq % 1_000_000) : msToNs(m.ts));

const meta: Handler<'meta'> = (s, m: MetaMessage) =>
  DEVICE_META.line.point(
    s.meta,
    {
      firmware: m.firmware,
      hamlets: m.hamlets?.join(','),
      heartbeat_s: m.heartbeat_s,
      lat: m.lat,
      link: m.link,
      lon: m.lon,
      model: m.model,
      speakers: m.speakers,
    },
    msToNs(m.ts),
  );

const broadcast: Handler<'broadcast'> = ({ device: d }, m: BroadcastMessage) =>
  BROADCAST.line(
    {
      province: d.province,
      commune: d.commune,
      device: d.device,
      priority: m.priority,
      source: m.source,
      status: m.status,
    },
    {
      duration_s: (m.end - m.start) / 1000,
      end: m.end,
      id: m.id,
      bulletin: m.bulletin,
      program: m.program,
    },
    msToNs(m.start),
  );

const event: Handler<'event'> = ({ device: d }, m: EventMessage) =>
  EVENT.line(
    { province: d.province, commune: d.commune, device: d.device, type: m.type },
    { detail: m.detail, count: 1 },
    msToNs(m.ts),
  );

const handlers: { [C in Channel]: Handler<C> } = { state, meta, heartbeat, broadcast, event };

export function toLine<C extends Channel>(
  channel: C,
  series: DeviceSeries,
  message: MessageOf[C],
  receipt: Receipt,
): string {
  return handlers[channel](series, message, receipt);
}
