import {
  BROKER_PRESENCE_TOPIC,
  CHANNELS,
  decodePayload,
  isBrokerPresenceTopic,
  msToNs,
  parseTopic,
  REJECT,
  type Channel,
  type Device,
  type Inventory,
  type MessageOf,
  type RejectReason,
} from '../protocol/index.js';
import { brokerPresenceLine, describeBrokerPresence } from './broker-presence.js';
import { deviceSeries, type DeviceSeries } from './device-tags.js';
import { toLine } from './points.js';

/** One message as the write-ahead log hands it over. */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  /** The log's sequence number: makes reject points unique yet identical on replay. */
  seq: number;
}

export type PipelineResult =
  | {
      kind: 'point';
      channel: Channel;
      line: string;
      /** The inventory device and decoded message, for observers such as the coverage engine. */
      device: Device;
      message: MessageOf[Channel];
    }
  | { kind: 'reject'; reason: RejectReason; detail: string; device?: string; line: string }
  /** Platform output and downstream commands share the topic tree but are not device telemetry. */
  | { kind: 'ignored' }
  /** A connect or disconnect recorded by a Loa broker, in process or over MQTT (broker-presence.ts). */
  | { kind: 'broker_presence'; line: string };

export interface PipelineOptions {
  inventory: Inventory;
  /** Messages whose device time is older than this are refused (docs/protocol.md). */
  retentionMs: number;
  /** The platform clock; injected so tests control it. */
  now?: () => number;
}

/**
 * Parse → validate → map → serialise, as one pure step per message (docs/protocol.md, docs/protocol.md §10). It never throws
 * for bad input: a refusal is a result with its reason, turned into a `reject` point like any other, so
 * that a bad message is counted, kept and acknowledged without ever blocking the stream.
 */
export function createPipeline({ inventory, retentionMs, now = Date.now }: PipelineOptions) {
  const seriesCache = new Map<string, DeviceSeries>();
  /**
   * Topics already known to be good: a device topic of an inventory device, in its own place. Each
   * device has exactly one such topic per channel, and nothing else is ever added, so the map stays
   * within 5 × devices whatever the stream carries; the inventory is fixed for a pipeline's life.
   */
  const topicCache = new Map<string, ResolvedTopic>();
  const topicLimit = CHANNELS.length * inventory.deviceCount;
  // Reused for every message: decodePayload reads it and keeps nothing.
  const window = { now: 0, retentionMs };

  function seriesOf(id: string): DeviceSeries | undefined {
    let series = seriesCache.get(id);
    if (series === undefined) {
      const device = inventory.device(id);
      if (device === undefined) return undefined;
      series = deviceSeries(device);
      seriesCache.set(id, series);
    }
    return series;
  }

  /** The full path of docs/protocol.md: parse the topic, find the device, check its place. */
  function resolve(message: IncomingMessage): ResolvedTopic | PipelineResult {
    // Only on a topic-cache miss, and only for the in-process log topic or a platform topic: no cost on
    // the telemetry path.
    if (message.topic === BROKER_PRESENCE_TOPIC) return brokerPresence(message);
    const topic = parseTopic(message.topic);
    if (topic.kind === 'platform') {
      return isBrokerPresenceTopic(message.topic) ? brokerPresence(message) : { kind: 'ignored' };
    }
    if (topic.kind === 'command') return { kind: 'ignored' };
    if (topic.kind === 'invalid') return reject(message, topic.reason, topic.detail);
    const series = seriesOf(topic.device);
    if (series === undefined) {
      return reject(
        message,
        'unknown_device',
        `device "${topic.device}" is not in the inventory`,
        topic.device,
      );
    }
    const { device } = series;
    if (device.province !== topic.province || device.commune !== topic.commune) {
      return reject(
        message,
        'wrong_place',
        `device "${device.device}" belongs to ${device.province}/${device.commune}, not ${topic.province}/${topic.commune}`,
        topic.device,
      );
    }
    const resolved: ResolvedTopic = { kind: 'resolved', channel: topic.channel, series };
    if (topicCache.size < topicLimit) topicCache.set(message.topic, resolved);
    return resolved;
  }

  return function process(message: IncomingMessage): PipelineResult {
    const topic = topicCache.get(message.topic) ?? resolve(message);
    if (topic.kind !== 'resolved') return topic;
    const { channel, series } = topic;
    window.now = now();
    const decoded = decodePayload(channel, message.payload, window);
    if (!decoded.ok) return reject(message, decoded.reason, decoded.detail, series.device.device);
    return {
      kind: 'point',
      channel,
      line: toLine(channel, series, decoded.message, message),
      device: series.device,
      message: decoded.message,
    };
  };
}

function brokerPresence(message: IncomingMessage): PipelineResult {
  const line = brokerPresenceLine(message.payload, message.receivedAt, message.seq);
  return line === undefined
    ? reject(message, 'internal_error', describeBrokerPresence(message.payload))
    : { kind: 'broker_presence', line };
}

interface ResolvedTopic {
  kind: 'resolved';
  channel: Channel;
  series: DeviceSeries;
}

export type Pipeline = ReturnType<typeof createPipeline>;

/**
 * A reject point (protocol/storage.ts: tag reason; fields topic, device, detail). Its time is the receipt time
 * with the log sequence in the sub-millisecond digits: two rejects in one millisecond stay two points,
 * and a replay of the log rewrites the same ones.
 */
export function reject(
  message: IncomingMessage,
  reason: RejectReason,
  detail: string,
  device?: string,
): PipelineResult {
  const line = REJECT.line(
    { reason },
    { detail, device, topic: message.topic.slice(0, 256) },
    msToNs(message.receivedAt, message.seq % 1_000_000),
  );
  return device === undefined
    ? { kind: 'reject', reason, detail, line }
    : { kind: 'reject', reason, detail, device, line };
}
