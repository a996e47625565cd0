import {
  CHANNELS,
  PLATFORM_DEVICE,
  TOPIC_ROOT,
  devicePrefix,
  isSlug,
  type DeviceAddress,
} from '../protocol/index.js';

/**
 * Access rules of the broker (docs/protocol.md, §9), as pure functions of who is asking and what topic: the
 * aedes hooks call them for every PUBLISH, Will and SUBSCRIBE, and an exporter for other brokers can
 * read the same rules.
 */

export type ServiceRole = 'ingest' | 'reader';

/** Who is behind an authenticated connection. */
export type Principal = DevicePrincipal | ServicePrincipal;

export interface DevicePrincipal {
  kind: 'device';
  address: DeviceAddress;
  /** `loa/v1/{province}/{commune}/{device}/`, computed once per connection. */
  prefix: string;
}

export interface ServicePrincipal {
  kind: 'service';
  username: string;
  role: ServiceRole;
  /** Readers only: confined to `loa/v1/{province}/...`. */
  province?: string;
}

export function devicePrincipal(address: DeviceAddress): DevicePrincipal {
  const { province, commune, device } = address;
  return { kind: 'device', address: { province, commune, device }, prefix: devicePrefix(address) };
}

export function servicePrincipal(username: string, role: ServiceRole, province?: string): ServicePrincipal {
  return province === undefined || role !== 'reader'
    ? { kind: 'service', username, role }
    : { kind: 'service', username, role, province };
}

/**
 * Why a publication is refused. Every refusal disconnects the client (aedes on MQTT 3.1.1), without a
 * PUBACK: a device with an outbox resends the message at its next connect. So a mistake under a
 * device's own prefix (an unknown channel, an extra level, a retained heartbeat) is not refused here:
 * it is acknowledged and refused by the ingest with its reason (issue #14, point 4).
 */
export const PUBLISH_REFUSALS = [
  /** `$SYS/...` or any other `$` topic. */
  'reserved',
  /** NUL, a wildcard (`+`, `#`) or an empty level inside the topic (MQTT 3.1.1 §4.7.3, §1.5.3). */
  'bad_topic',
  /** Not under `loa/v1/`. */
  'outside_namespace',
  /** Under the `_platform` pseudo-device, which only the ingest service may use. */
  'platform',
  /** Another device's topic. */
  'other_device',
  /** The device's own id under another province or commune than the inventory says. */
  'wrong_place',
  /** A service account publishing what its role does not allow. */
  'role',
  /** No principal for the connection (should not happen: aedes authorizes only connected clients). */
  'unauthenticated',
  /** The durability hook threw: nothing was acknowledged, the device will resend. */
  'durability',
  /** A Will released while the broker shuts down: the device did not die, the broker is leaving. */
  'stopping',
  /** The device's publish token bucket is empty (broker/limits.ts): a flood, not a replay. */
  'rate_limited',
] as const;
export type PublishRefusal = (typeof PUBLISH_REFUSALS)[number];

export type PublishDecision =
  /**
   * `telemetry`: device data that must reach the durability hook before it is acknowledged.
   * `clearRetain`: the retain flag is dropped (retained on a channel that is not retained).
   */
  { ok: true; telemetry: boolean; clearRetain?: true } | { ok: false; reason: PublishRefusal };

const ROOT_PREFIX = `${TOPIC_ROOT}/`;
const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
const RETAINED_CHANNELS: ReadonlySet<string> = new Set(['state', 'meta']);
const TELEMETRY: PublishDecision = { ok: true, telemetry: true };
const TELEMETRY_NOT_RETAINED: PublishDecision = { ok: true, telemetry: true, clearRetain: true };
/** Not a channel: the ingest refuses it with its reason; it is not retained either. */
const TELEMETRY_REFUSED_BY_INGEST: PublishDecision = TELEMETRY_NOT_RETAINED;
const OTHER: PublishDecision = { ok: true, telemetry: false };

function refuse(reason: PublishRefusal): PublishDecision {
  return { ok: false, reason };
}

/** May `principal` publish on `topic` (with the retain flag `retain`)? */
export function authorizePublishRule(principal: Principal, topic: string, retain: boolean): PublishDecision {
  if (topic.startsWith('$')) return refuse('reserved');
  if (!legalTopic(topic)) return refuse('bad_topic');
  if (principal.kind === 'device' && isOwnTopic(principal, topic)) {
    return authorizeOwnTopic(principal, topic, retain);
  }
  if (topic.includes('//')) return refuse('bad_topic');
  if (!topic.startsWith(ROOT_PREFIX)) return refuse('outside_namespace');
  return principal.kind === 'device'
    ? authorizeOtherDeviceTopic(principal, topic)
    : authorizeServicePublish(principal, topic);
}

/**
 * No NUL (forbidden in MQTT strings, [MQTT-1.5.3-2]) and no wildcard (aedes refuses them in a PUBLISH,
 * but not in a Will, [MQTT-3.3.2-2]): both are protocol errors, whoever's topic it is.
 */
function legalTopic(topic: string): boolean {
  return !topic.includes('\0') && !topic.includes('+') && !topic.includes('#');
}

/**
 * Under its own prefix a device's publication is always acknowledged and handed to the durability hook:
 * the ingest stores a channel, or refuses an unknown channel, an extra or empty level as
 * `unknown_channel` / `bad_topic` (docs/protocol.md §9). A retain flag is kept only on `state` and
 * `meta`; elsewhere it is dropped (the message itself is good).
 */
function authorizeOwnTopic(principal: DevicePrincipal, topic: string, retain: boolean): PublishDecision {
  const channel = topic.slice(principal.prefix.length);
  if (retain && !RETAINED_CHANNELS.has(channel)) return TELEMETRY_NOT_RETAINED;
  return CHANNEL_SET.has(channel) ? TELEMETRY : TELEMETRY_REFUSED_BY_INGEST;
}

/** Under the device's prefix, or its prefix without the channel level (`loa/v1/{p}/{c}/{device}`). */
function isOwnTopic(principal: DevicePrincipal, topic: string): boolean {
  return topic.startsWith(principal.prefix) || topic === principal.prefix.slice(0, -1);
}

/** Under `loa/v1/` but outside the device's own prefix: refused, with why. */
function authorizeOtherDeviceTopic(principal: DevicePrincipal, topic: string): PublishDecision {
  const device = topic.slice(ROOT_PREFIX.length).split('/', 3)[2];
  if (device === PLATFORM_DEVICE) return refuse('platform');
  if (device !== principal.address.device) return refuse('other_device');
  // Its own id, so not its own place (its own topics were taken above).
  return refuse('wrong_place');
}

/** The ingest may publish platform output under `loa/v1/{province}/{commune}/_platform/...`; readers nothing. */
function authorizeServicePublish(principal: ServicePrincipal, topic: string): PublishDecision {
  if (principal.role === 'ingest' && isPlatformTopic(topic)) return OTHER;
  return refuse('role');
}

/** `loa/v1/{slug}/{slug}/_platform/{at least one non-empty level}`. */
export function isPlatformTopic(topic: string): boolean {
  if (!topic.startsWith(ROOT_PREFIX)) return false;
  const levels = topic.slice(ROOT_PREFIX.length).split('/');
  const [province, commune, device, first] = levels;
  return (
    province !== undefined &&
    commune !== undefined &&
    isSlug(province) &&
    isSlug(commune) &&
    device === PLATFORM_DEVICE &&
    first !== undefined &&
    first.length > 0
  );
}

/**
 * May `principal` subscribe to `filter`? Devices: only their own `.../cmd` tree. Service accounts:
 * anything under `loa/v1/`, also as an MQTT 5 shared subscription `$share/{group}/loa/v1/...` (for
 * brokers that have them; on aedes such a filter matches nothing). The filter's wildcard syntax is
 * checked by the broker before this rule runs.
 */
export function authorizeSubscribeRule(principal: Principal, filter: string): boolean {
  if (principal.kind === 'device') {
    const commands = `${principal.prefix}cmd`;
    return filter === commands || filter.startsWith(`${commands}/`);
  }
  const plain = unshare(filter);
  if (principal.province !== undefined) {
    // An operator console reads its own province only: no wildcard above it.
    return plain !== undefined && plain.startsWith(`${ROOT_PREFIX}${principal.province}/`);
  }
  return isUnderRoot(plain);
}

function isUnderRoot(filter: string | undefined): boolean {
  return filter !== undefined && (filter === TOPIC_ROOT || filter.startsWith(ROOT_PREFIX));
}

/** `$share/{group}/{filter}` → `{filter}`; a plain filter is returned as it is; a malformed share → undefined. */
function unshare(filter: string): string | undefined {
  const SHARE = '$share/';
  if (!filter.startsWith(SHARE)) return filter;
  const slash = filter.indexOf('/', SHARE.length);
  if (slash < 0) return undefined;
  const group = filter.slice(SHARE.length, slash);
  if (group.length === 0 || group.includes('+') || group.includes('#')) return undefined;
  return filter.slice(slash + 1);
}
