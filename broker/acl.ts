import {
  CHANNELS,
  PLATFORM_DEVICE,
  TOPIC_ROOT,
  devicePrefix,
  isSlug,
  type DeviceAddress,
} from '../protocol/index.js';

/**
 * Access rules of the broker (DESIGN §3, §9), as pure functions of who is asking and what topic: the
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

/** Why a publication is refused. Every refusal disconnects the client (aedes on MQTT 3.1.1). */
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
  /** Under the device's own prefix but not one of its channels (`cmd`, extra levels, typos). */
  'unknown_channel',
  /** Retained on a channel that is not retained (only `state` and `meta` are). */
  'retain',
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
  /** `telemetry`: device data that must reach the durability hook before it is acknowledged. */
  { ok: true; telemetry: boolean } | { ok: false; reason: PublishRefusal };

const ROOT_PREFIX = `${TOPIC_ROOT}/`;
const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
const RETAINED_CHANNELS: ReadonlySet<string> = new Set(['state', 'meta']);
const TELEMETRY: PublishDecision = { ok: true, telemetry: true };
const OTHER: PublishDecision = { ok: true, telemetry: false };

function refuse(reason: PublishRefusal): PublishDecision {
  return { ok: false, reason };
}

/** May `principal` publish on `topic` (with the retain flag `retain`)? */
export function authorizePublishRule(principal: Principal, topic: string, retain: boolean): PublishDecision {
  if (topic.startsWith('$')) return refuse('reserved');
  if (!wellFormed(topic)) return refuse('bad_topic');
  if (!topic.startsWith(ROOT_PREFIX)) return refuse('outside_namespace');
  return principal.kind === 'device'
    ? authorizeDevicePublish(principal, topic, retain)
    : authorizeServicePublish(principal, topic);
}

/**
 * No NUL (forbidden in MQTT strings), no wildcard (aedes refuses them in a PUBLISH, but not in a Will),
 * no empty level inside the topic. A trailing `/` is left to the channel rules, which refuse it.
 */
function wellFormed(topic: string): boolean {
  return !topic.includes('\0') && !topic.includes('+') && !topic.includes('#') && !topic.includes('//');
}

/**
 * A device publishes only `loa/v1/{its province}/{its commune}/{itself}/{channel}`, retained only on
 * `state` and `meta`. The topic is known to start with `loa/v1/`.
 */
function authorizeDevicePublish(principal: DevicePrincipal, topic: string, retain: boolean): PublishDecision {
  if (topic.startsWith(principal.prefix)) {
    const channel = topic.slice(principal.prefix.length);
    if (!CHANNEL_SET.has(channel)) return refuse('unknown_channel');
    if (retain && !RETAINED_CHANNELS.has(channel)) return refuse('retain');
    return TELEMETRY;
  }
  const [province, commune, device] = topic.slice(ROOT_PREFIX.length).split('/', 3);
  if (device === PLATFORM_DEVICE) return refuse('platform');
  if (device !== principal.address.device) return refuse('other_device');
  if (province !== principal.address.province || commune !== principal.address.commune) {
    return refuse('wrong_place');
  }
  // Its own device and place but not its prefix: the topic stops before the channel level.
  return refuse('unknown_channel');
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
