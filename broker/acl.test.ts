import { describe, expect, it } from 'vitest';
import {
  authorizePublishRule,
  authorizeSubscribeRule,
  devicePrincipal,
  isPlatformTopic,
  servicePrincipal,
  type Principal,
  type PublishDecision,
} from './acl.js';

const device = devicePrincipal({ province: 'an-giang', commune: 'vinh-an', device: 'vinh-an-c01' });
const ingest = servicePrincipal('loa-ingest', 'ingest');
const reader = servicePrincipal('console', 'reader');
const own = 'loa/v1/an-giang/vinh-an/vinh-an-c01';

function publish(principal: Principal, topic: string, retain = false): PublishDecision {
  return authorizePublishRule(principal, topic, retain);
}

describe('device publications', () => {
  it.each(['state', 'meta', 'heartbeat', 'broadcast', 'event'])('allows its own %s channel', (channel) => {
    expect(publish(device, `${own}/${channel}`)).toEqual({ ok: true, telemetry: true });
  });

  it('keeps retain only on state and meta, and drops it elsewhere without refusing the message', () => {
    expect(publish(device, `${own}/state`, true)).toEqual({ ok: true, telemetry: true });
    expect(publish(device, `${own}/meta`, true)).toEqual({ ok: true, telemetry: true });
    for (const channel of ['heartbeat', 'broadcast', 'event', 'diag']) {
      expect(publish(device, `${own}/${channel}`, true)).toEqual({
        ok: true,
        telemetry: true,
        clearRetain: true,
      });
    }
  });

  // Issue #14, point 4: refusing these closed the connection without a PUBACK, and a device with an
  // outbox resent them at every reconnect for ever. The ingest refuses them with their reason.
  it.each([
    `${own}/cmd`,
    `${own}/cmd/volume`,
    `${own}/telemetry`,
    `${own}/diag`,
    `${own}/Heartbeat`,
    `${own}/heartbeat/extra`,
    `${own}//heartbeat`,
    `${own}/`,
    own,
  ])('acknowledges %s, under its own prefix, for the ingest to refuse', (topic) => {
    expect(publish(device, topic)).toEqual({ ok: true, telemetry: true, clearRetain: true });
  });

  it.each([
    ['$SYS/broker/x', 'reserved'],
    ['$share/g/loa/v1/an-giang/vinh-an/vinh-an-c01/state', 'reserved'],
    ['loa/v2/an-giang/vinh-an/vinh-an-c01/state', 'outside_namespace'],
    ['elsewhere', 'outside_namespace'],
    ['loa/v1', 'outside_namespace'],
    ['loa/v1/an-giang/vinh-an/_platform/alert', 'platform'],
    // A device cannot forge the broker's presence records for itself or anyone (ingest/broker-presence.ts).
    ['loa/v1/an-giang/vinh-an/_platform/broker-presence', 'platform'],
    ['loa/v1/an-giang/vinh-an/vinh-an-c02/heartbeat', 'other_device'],
    ['loa/v1/an-giang/vinh-an', 'other_device'],
    ['loa/v1/an-giang/vinh-an/', 'other_device'],
    ['loa/v1/an-giang/other-commune/vinh-an-c01/heartbeat', 'wrong_place'],
    ['loa/v1/kien-giang/vinh-an/vinh-an-c01/heartbeat', 'wrong_place'],
    [`${own}/heart\0beat`, 'bad_topic'],
    ['loa/v1/an-giang/vinh-an//vinh-an-c01/heartbeat', 'bad_topic'],
  ])('refuses %s (%s)', (topic, reason) => {
    expect(publish(device, topic)).toEqual({ ok: false, reason });
  });

  it('does not match a device whose id extends its own', () => {
    expect(publish(device, 'loa/v1/an-giang/vinh-an/vinh-an-c01x/state')).toEqual({
      ok: false,
      reason: 'other_device',
    });
  });
});

describe('service publications', () => {
  it('lets the ingest publish platform output, not as telemetry', () => {
    expect(publish(ingest, 'loa/v1/an-giang/vinh-an/_platform/alert')).toEqual({
      ok: true,
      telemetry: false,
    });
    expect(publish(ingest, 'loa/v1/an-giang/vinh-an/_platform/alert/x', true)).toEqual({
      ok: true,
      telemetry: false,
    });
  });

  it('refuses device telemetry and anything else from the ingest', () => {
    expect(publish(ingest, `${own}/heartbeat`)).toEqual({ ok: false, reason: 'role' });
    expect(publish(ingest, 'loa/v1/an-giang/vinh-an/_platform')).toEqual({ ok: false, reason: 'role' });
    expect(publish(ingest, 'loa/v1/an-giang/vinh-an/_platform/')).toEqual({ ok: false, reason: 'role' });
    expect(publish(ingest, 'loa/v1/An Giang/vinh-an/_platform/alert')).toEqual({ ok: false, reason: 'role' });
    expect(publish(ingest, '$SYS/x')).toEqual({ ok: false, reason: 'reserved' });
    expect(publish(ingest, 'other/topic')).toEqual({ ok: false, reason: 'outside_namespace' });
  });

  it('lets a reader publish nothing', () => {
    expect(publish(reader, 'loa/v1/an-giang/vinh-an/_platform/alert')).toEqual({ ok: false, reason: 'role' });
    expect(publish(reader, `${own}/state`)).toEqual({ ok: false, reason: 'role' });
  });

  it('recognises platform topics', () => {
    expect(isPlatformTopic('loa/v1/an-giang/vinh-an/_platform/alert')).toBe(true);
    expect(isPlatformTopic('loa/v1/an-giang/_platform/alert')).toBe(false);
    expect(isPlatformTopic('loa/v1/an-giang/vinh-an/vinh-an-c01/alert')).toBe(false);
  });
});

describe('subscriptions', () => {
  it('confines a device to its own command tree', () => {
    for (const filter of [`${own}/cmd`, `${own}/cmd/#`, `${own}/cmd/+`, `${own}/cmd/volume`]) {
      expect(authorizeSubscribeRule(device, filter), filter).toBe(true);
    }
    for (const filter of [
      'loa/v1/#',
      `${own}/#`,
      `${own}/+`,
      `${own}/state`,
      `${own}/cmdx`,
      'loa/v1/an-giang/vinh-an/vinh-an-c02/cmd/#',
      'loa/v1/an-giang/vinh-an/+/cmd/#',
      'loa/v1/+/+/vinh-an-c01/cmd/#',
      '#',
      '$SYS/#',
    ]) {
      expect(authorizeSubscribeRule(device, filter), filter).toBe(false);
    }
  });

  it('lets service accounts read the v1 tree, also as a shared subscription', () => {
    for (const principal of [ingest, reader]) {
      for (const filter of [
        'loa/v1/#',
        'loa/v1/+/+/+/heartbeat',
        'loa/v1/an-giang/#',
        '$share/loa-ingest/loa/v1/#',
      ]) {
        expect(authorizeSubscribeRule(principal, filter), filter).toBe(true);
      }
      for (const filter of ['#', '+/v1/#', 'loa/#', '$SYS/#', '$share//loa/v1/#', '$share/g', '$share/g/#']) {
        expect(authorizeSubscribeRule(principal, filter), filter).toBe(false);
      }
    }
  });
});

describe('an operator console confined to its province', () => {
  const console = servicePrincipal('console', 'reader', 'an-giang');

  it('reads its province only, publishes nothing', () => {
    expect(authorizeSubscribeRule(console, 'loa/v1/an-giang/#')).toBe(true);
    expect(authorizeSubscribeRule(console, 'loa/v1/an-giang/+/+/heartbeat')).toBe(true);
    expect(authorizeSubscribeRule(console, 'loa/v1/#')).toBe(false);
    expect(authorizeSubscribeRule(console, 'loa/v1/+/vinh-an/#')).toBe(false);
    expect(authorizeSubscribeRule(console, 'loa/v1/kien-giang/#')).toBe(false);
    expect(authorizeSubscribeRule(console, 'loa/v1/an-giang-2/#')).toBe(false);
    expect(authorizePublishRule(console, 'loa/v1/an-giang/vinh-an/_platform/alert', false)).toEqual({
      ok: false,
      reason: 'role',
    });
  });

  it('ignores a province given to the ingest role', () => {
    expect(servicePrincipal('loa-ingest', 'ingest', 'an-giang')).toEqual({
      kind: 'service',
      username: 'loa-ingest',
      role: 'ingest',
    });
  });
});

describe('malformed topics', () => {
  it.each([`${own}/heart\0beat`, 'loa/v1/an-giang/vinh-an//heartbeat', `${own}/+`, `${own}/#`])(
    'refuses %j as bad_topic',
    (topic) => {
      expect(publish(device, topic)).toEqual({ ok: false, reason: 'bad_topic' });
    },
  );
});
