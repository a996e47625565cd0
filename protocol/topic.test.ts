import { describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  alertTopic,
  CHANNELS,
  commandTopicFilter,
  devicePrefix,
  deviceTopic,
  parseTopic,
  PLATFORM_DEVICE,
  SHARED_INGEST_TOPICS,
  TOPIC_ROOT,
} from './topic.js';

const address = { province: 'an-giang', commune: 'vinh-an', device: 'vinh-an-c01' };
const long = 'x'.repeat(64);

describe('parseTopic: device telemetry', () => {
  it.each(CHANNELS)('reads loa/v1/{province}/{commune}/{device}/%s', (channel) => {
    expect(parseTopic(`loa/v1/an-giang/vinh-an/vinh-an-c01/${channel}`)).toEqual({
      kind: 'device',
      ...address,
      channel,
    });
  });

  it('round-trips deviceTopic', () => {
    for (const channel of CHANNELS) {
      expect(parseTopic(deviceTopic(address, channel))).toEqual({ kind: 'device', ...address, channel });
    }
  });

  it('accepts 64-character slugs on every level', () => {
    expect(parseTopic(`loa/v1/${long}/${long}/${long}/state`)).toMatchObject({
      kind: 'device',
      province: long,
      commune: long,
      device: long,
    });
  });

  it('lists the five channels of docs/protocol.md', () => {
    expect([...CHANNELS]).toEqual(['state', 'meta', 'heartbeat', 'broadcast', 'event']);
  });
});

describe('parseTopic: refusals', () => {
  it.each([
    ['another root', 'loa/v2/an-giang/vinh-an/vinh-an-c01/state'],
    ['an uppercase root', 'LOA/v1/an-giang/vinh-an/vinh-an-c01/state'],
    ['a leading slash', '/loa/v1/an-giang/vinh-an/vinh-an-c01/state'],
    ['the root alone', 'loa/v1'],
    ['the root with a slash', 'loa/v1/'],
    ['too few levels', 'loa/v1/an-giang/vinh-an/state'],
    ['no channel', 'loa/v1/an-giang/vinh-an/vinh-an-c01'],
    ['too many levels', 'loa/v1/an-giang/vinh-an/vinh-an-c01/state/extra'],
    ['a trailing slash', 'loa/v1/an-giang/vinh-an/vinh-an-c01/state/'],
    ['an empty province', 'loa/v1//vinh-an/vinh-an-c01/state'],
    ['an empty commune', 'loa/v1/an-giang//vinh-an-c01/state'],
    ['an empty device', 'loa/v1/an-giang/vinh-an//state'],
    ['an uppercase province', 'loa/v1/An-Giang/vinh-an/vinh-an-c01/state'],
    ['a Vietnamese commune', 'loa/v1/an-giang/vĩnh-an/vinh-an-c01/state'],
    ['a leading dash', 'loa/v1/an-giang/vinh-an/-c01/state'],
    ['a trailing dash', 'loa/v1/an-giang/vinh-an/c01-/state'],
    ['a 65-character device', `loa/v1/an-giang/vinh-an/${long}x/state`],
    ['an underscore device other than _platform', 'loa/v1/an-giang/vinh-an/_c01/state'],
    ['a wildcard level', 'loa/v1/an-giang/+/vinh-an-c01/state'],
  ])('refuses %s as bad_topic', (_what, topic) => {
    const parsed = parseTopic(topic);
    expect(parsed).toMatchObject({ kind: 'invalid', reason: 'bad_topic' });
    expect(parsed.kind === 'invalid' && parsed.detail.length).toBeGreaterThan(0);
  });

  it('names the level that is not a slug', () => {
    expect(parseTopic('loa/v1/an-giang/Vinh-An/c01/state')).toEqual({
      kind: 'invalid',
      reason: 'bad_topic',
      detail: 'commune "Vinh-An" is not a lowercase slug',
    });
  });

  it.each(['status', 'State', 'heartbeats', 'alert', 'telemetry', ''])(
    'refuses the channel %j as unknown_channel',
    (channel) => {
      expect(parseTopic(`loa/v1/an-giang/vinh-an/vinh-an-c01/${channel}`)).toMatchObject({
        kind: 'invalid',
        reason: 'unknown_channel',
      });
    },
  );

  it('checks the slugs before the channel', () => {
    expect(parseTopic('loa/v1/an-giang/vinh-an/C01/status')).toMatchObject({ reason: 'bad_topic' });
  });
});

describe('parseTopic: reserved topics', () => {
  it('sets platform output apart from device telemetry', () => {
    expect(parseTopic(alertTopic('an-giang', 'vinh-an'))).toEqual({ kind: 'platform' });
  });

  it.each(['cmd', 'cmd/volume', 'cmd/schedule/set'])('sets downstream commands (%s) apart', (rest) => {
    expect(parseTopic(`loa/v1/an-giang/vinh-an/vinh-an-c01/${rest}`)).toEqual({ kind: 'command' });
  });
});

describe('topic builders', () => {
  it('build the topics of docs/protocol.md', () => {
    expect(TOPIC_ROOT).toBe('loa/v1');
    expect(PLATFORM_DEVICE).toBe('_platform');
    expect(ALL_TOPICS).toBe('loa/v1/#');
    expect(SHARED_INGEST_TOPICS).toBe('$share/loa-ingest/loa/v1/#');
    expect(deviceTopic(address, 'heartbeat')).toBe('loa/v1/an-giang/vinh-an/vinh-an-c01/heartbeat');
    expect(devicePrefix(address)).toBe('loa/v1/an-giang/vinh-an/vinh-an-c01/');
    expect(commandTopicFilter(address)).toBe('loa/v1/an-giang/vinh-an/vinh-an-c01/cmd/#');
    expect(alertTopic('an-giang', 'vinh-an')).toBe('loa/v1/an-giang/vinh-an/_platform/alert');
  });

  it('confine every channel topic of a device to its prefix', () => {
    for (const channel of CHANNELS)
      expect(deviceTopic(address, channel).startsWith(devicePrefix(address))).toBe(true);
  });
});
