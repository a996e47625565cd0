import { isSlug } from './slug.js';

/** Topic grammar of wire contract v1: `loa/v1/{province}/{commune}/{device}/{channel}` (docs/protocol.md). */
export const TOPIC_ROOT = 'loa/v1';

export const CHANNELS = ['state', 'meta', 'heartbeat', 'broadcast', 'event'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The pseudo-device that carries the platform's own output; device ids cannot begin with `_`. */
export const PLATFORM_DEVICE = '_platform';

/** Everything under the v1 root, for subscribers such as the ingest. */
export const ALL_TOPICS = `${TOPIC_ROOT}/#`;

/** The MQTT 5 shared subscription with which ingest replicas split the stream between them. */
export const SHARED_INGEST_TOPICS = `$share/loa-ingest/${TOPIC_ROOT}/#`;

export interface DeviceAddress {
  province: string;
  commune: string;
  device: string;
}

export type ParsedTopic =
  | ({ kind: 'device'; channel: Channel } & DeviceAddress)
  /** Platform output (`_platform/alert`) and downstream commands (`cmd/#`): not device telemetry. */
  | { kind: 'platform' }
  | { kind: 'command' }
  | { kind: 'invalid'; reason: 'bad_topic' | 'unknown_channel'; detail: string };

const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
const PREFIX = `${TOPIC_ROOT}/`;

/**
 * Parses a topic without a regular expression per level: the ingest calls this for every message.
 * Returns why a topic is refused instead of throwing, because refusals are counted, not fatal.
 */
export function parseTopic(topic: string): ParsedTopic {
  if (!topic.startsWith(PREFIX)) {
    return { kind: 'invalid', reason: 'bad_topic', detail: `topic must start with ${PREFIX}` };
  }
  const levels = topic.slice(PREFIX.length).split('/');
  const [province, commune, device, channel] = levels;
  if (province === undefined || commune === undefined || device === undefined || channel === undefined) {
    return {
      kind: 'invalid',
      reason: 'bad_topic',
      detail: 'expected loa/v1/{province}/{commune}/{device}/{channel}',
    };
  }
  if (device === PLATFORM_DEVICE) return { kind: 'platform' };
  if (channel === 'cmd') return { kind: 'command' };
  for (const [name, value] of [
    ['province', province],
    ['commune', commune],
    ['device', device],
  ] as const) {
    if (!isSlug(value)) {
      return { kind: 'invalid', reason: 'bad_topic', detail: `${name} "${value}" is not a lowercase slug` };
    }
  }
  if (levels.length > 4) {
    return { kind: 'invalid', reason: 'bad_topic', detail: 'too many topic levels after the channel' };
  }
  if (!CHANNEL_SET.has(channel)) {
    return { kind: 'invalid', reason: 'unknown_channel', detail: `unknown channel "${channel}"` };
  }
  return { kind: 'device', province, commune, device, channel: channel as Channel };
}

export function deviceTopic(address: DeviceAddress, channel: Channel): string {
  return `${PREFIX}${address.province}/${address.commune}/${address.device}/${channel}`;
}

/** The prefix under which one device may publish (the broker's access rule). */
export function devicePrefix(address: DeviceAddress): string {
  return `${PREFIX}${address.province}/${address.commune}/${address.device}/`;
}

/** Downstream commands to one device (reserved in v1). */
export function commandTopicFilter(address: DeviceAddress): string {
  return `${devicePrefix(address)}cmd/#`;
}

export function alertTopic(province: string, commune: string): string {
  return `${PREFIX}${province}/${commune}/${PLATFORM_DEVICE}/alert`;
}
