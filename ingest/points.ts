import type {
  BroadcastMessage,
  Channel,
  EventMessage,
  HeartbeatMessage,
  MessageOf,
  MetaMessage,
  StateMessage,
} from '../protocol/index.js';
import { escapeFieldString, msToNs } from '../influx/index.js';
import type { DeviceSeries } from './device-tags.js';

/**
 * One handler per channel (CONTRIBUTING.md#types-and-modules), each turning a validated message into one line of the
 * storage schema (docs/protocol.md §10). The time of a point is the device's own time, so a replayed or redelivered
 * message lands on the same key and overwrites itself: storage is idempotent.
 *
 * Field types never vary, because InfluxDB fixes a field's type at its first write: counters are
 * integers (`i`), measurements are floats, states are strings.
 */
/** When and in what order the ingest received a message (its write-ahead log sequence). */
export interface Receipt {
  receivedAt: number;
  seq: number;
}

type Handler<C extends Channel> = (series: DeviceSeries, message: MessageOf[C], receipt: Receipt) => string;

const heartbeat: Handler<'heartbeat'> = (s, m: HeartbeatMessage) => {
  let fields = `amp="${m.amp}",power="${m.power}",seq=${m.seq}i,uptime_s=${m.uptime_s}`;
  if (m.playing !== undefined) fields += `,playing=${m.playing}`;
  if (m.volume_pct !== undefined) fields += `,volume_pct=${m.volume_pct}`;
  if (m.mains_v !== undefined) fields += `,mains_v=${m.mains_v}`;
  if (m.battery_v !== undefined) fields += `,battery_v=${m.battery_v}`;
  if (m.relay !== undefined) fields += `,relay="${m.relay}"`;
  if (m.rssi_dbm !== undefined) fields += `,rssi_dbm=${m.rssi_dbm}`;
  if (m.temp_c !== undefined) fields += `,temp_c=${m.temp_c}`;
  return `${s.heartbeat} ${fields} ${msToNs(m.ts)}`;
};

/**
 * A Will carries no device time (docs/protocol.md): its receipt time, kept in the write-ahead log, stands in,
 * with the log sequence in the sub-millisecond digits (issue #14, point 5): two Wills received in one
 * millisecond stay two points, and a replay of the log rewrites the same ones.
 */
const state: Handler<'state'> = (s, m: StateMessage, { receivedAt, seq }) => {
  const reason = m.reason === undefined ? '' : `,reason="${m.reason}"`;
  const time = m.ts === undefined ? msToNs(receivedAt, seq % 1_000_000) : msToNs(m.ts);
  return `${s.presence} online=${m.online}${reason},session=${m.session}i ${time}`;
};

const meta: Handler<'meta'> = (s, m: MetaMessage) => {
  let fields = `firmware="${escapeFieldString(m.firmware)}"`;
  if (m.hamlets !== undefined) fields += `,hamlets="${m.hamlets.join(',')}"`;
  if (m.heartbeat_s !== undefined) fields += `,heartbeat_s=${m.heartbeat_s}i`;
  if (m.lat !== undefined) fields += `,lat=${m.lat}`;
  if (m.link !== undefined) fields += `,link="${m.link}"`;
  if (m.lon !== undefined) fields += `,lon=${m.lon}`;
  if (m.model !== undefined) fields += `,model="${escapeFieldString(m.model)}"`;
  if (m.speakers !== undefined) fields += `,speakers=${m.speakers}i`;
  return `${s.meta} ${fields} ${msToNs(m.ts)}`;
};

const broadcast: Handler<'broadcast'> = (s, m: BroadcastMessage) => {
  const tags = `broadcast,${s.commune},priority=${m.priority},${s.province},source=${m.source},status=${m.status}`;
  let fields = `duration_s=${(m.end - m.start) / 1000},end=${m.end}i,id="${escapeFieldString(m.id)}"`;
  if (m.bulletin !== undefined) fields += `,bulletin="${escapeFieldString(m.bulletin)}"`;
  if (m.program !== undefined) fields += `,program="${escapeFieldString(m.program)}"`;
  return `${tags} ${fields} ${msToNs(m.start)}`;
};

const event: Handler<'event'> = (s, m: EventMessage) => {
  const detail = m.detail === undefined ? '' : `detail="${escapeFieldString(m.detail)}",`;
  return `event,${s.commune},${s.province},type=${m.type} ${detail}count=1i ${msToNs(m.ts)}`;
};

const handlers: { [C in Channel]: Handler<C> } = { state, meta, heartbeat, broadcast, event };

export function toLine<C extends Channel>(
  channel: C,
  series: DeviceSeries,
  message: MessageOf[C],
  receipt: Receipt,
): string {
  return handlers[channel](series, message, receipt);
}
