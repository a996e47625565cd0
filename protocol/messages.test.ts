import { describe, expect, it } from 'vitest';
import { MAX_BROADCAST_MS } from './limits.js';
import {
  AMP_STATES,
  BROADCAST_STATUSES,
  channelSchemas,
  DEVICE_KINDS,
  EVENT_TYPES,
  POWER_SOURCES,
  PRIORITIES,
  RELAY_STATES,
  REPORTED_LINKS,
  SOURCES,
  STATE_REASONS,
} from './messages.js';
import { CHANNELS, type Channel } from './topic.js';
import { MESSAGE_CASES, T } from '../test/fixtures/message-cases.js';

const cases = MESSAGE_CASES;

function check(channel: Channel, message: unknown) {
  return channelSchemas[channel].safeParse(message);
}

function failingPaths(channel: Channel, message: unknown): string[] {
  const result = check(channel, message);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe.each(CHANNELS)('%s payload', (channel) => {
  const c = cases[channel];

  it('the table covers every field of the schema', () => {
    const fields = Object.keys(channelSchemas[channel].shape).sort();
    expect(Object.keys(c.full).sort()).toEqual(fields);
    expect(Object.keys(c.invalid).sort()).toEqual(fields);
  });

  it('accepts the minimal and the full message', () => {
    expect(check(channel, c.minimal).success).toBe(true);
    expect(check(channel, c.full)).toEqual({ success: true, data: c.full });
  });

  it('requires exactly the fields docs/protocol.md marks bold', () => {
    expect(Object.keys(c.minimal).sort()).toEqual([...c.required].sort());
    const optional = Object.keys(c.full).filter((f) => !c.required.includes(f));
    for (const field of optional) {
      const { [field]: _dropped, ...rest } = c.full;
      expect(check(channel, rest).success, field).toBe(true);
    }
  });

  it.each(c.required)('refuses a message without %s, naming it', (field) => {
    const { [field]: _dropped, ...rest } = c.minimal;
    expect(failingPaths(channel, rest)).toEqual([field]);
  });

  const invalid = Object.entries(c.invalid).flatMap(([field, values]) =>
    values.map((value) => ({ field, value })),
  );
  it.each(invalid)('refuses $field = $value, naming the field', ({ field, value }) => {
    // A bad `start` may also trip the duration rule on `end`: the field itself must be named.
    const paths = failingPaths(channel, { ...c.full, [field]: value }).map((p) => p.split('.')[0]);
    expect(paths).toContain(field);
  });

  const edges = Object.entries(c.edges ?? {}).flatMap(([field, values]) =>
    values.map((value) => ({ field, value })),
  );
  if (edges.length > 0) {
    it.each(edges)('accepts $field = $value', ({ field, value }) => {
      expect(check(channel, { ...c.full, [field]: value }).success).toBe(true);
    });
  }

  it('accepts every value of its enums', () => {
    for (const [field, values] of Object.entries(c.enums ?? {})) {
      for (const value of values)
        expect(check(channel, { ...c.full, [field]: value }).success, value).toBe(true);
    }
  });

  it('ignores and drops unknown extra fields', () => {
    const result = check(channel, { ...c.full, firmware_build: 'abc', extra: { nested: [1, 2] } });
    expect(result).toEqual({ success: true, data: c.full });
  });

  it('refuses any version other than 1', () => {
    for (const v of [0, 2, '1', null]) expect(failingPaths(channel, { ...c.minimal, v })).toEqual(['v']);
  });

  it('refuses a non-object', () => {
    for (const value of [null, [], 'x', 1]) expect(check(channel, value).success).toBe(false);
  });
});

describe('enums of docs/protocol.md', () => {
  it('have the values the vendors are told', () => {
    expect(STATE_REASONS).toEqual(['boot', 'shutdown', 'lost']);
    expect(DEVICE_KINDS).toEqual(['station', 'cluster']);
    expect(REPORTED_LINKS).toEqual(['4g', 'ethernet', 'wifi']);
    expect(POWER_SOURCES).toEqual(['mains', 'battery', 'solar']);
    expect(AMP_STATES).toEqual(['on', 'off', 'fault']);
    expect(RELAY_STATES).toEqual(['ok', 'tripped']);
    expect(PRIORITIES).toEqual(['normal', 'priority', 'emergency']);
    expect(SOURCES).toEqual(['national', 'provincial', 'commune', 'live']);
    expect(BROADCAST_STATUSES).toEqual(['completed', 'interrupted', 'failed']);
    expect(EVENT_TYPES).toEqual([
      'power_lost',
      'power_restored',
      'relay_tripped',
      'relay_restored',
      'amp_fault',
      'amp_restored',
      'tamper',
      'reboot',
    ]);
  });
});

describe('state', () => {
  it('accepts the Will, which has no ts', () => {
    expect(check('state', { v: 1, online: false, session: 3, reason: 'lost' }).success).toBe(true);
  });
});

describe('broadcast duration', () => {
  const base = cases.broadcast.minimal;

  it('accepts end = start and a broadcast of exactly 24 hours', () => {
    expect(check('broadcast', { ...base, end: T }).success).toBe(true);
    expect(check('broadcast', { ...base, end: T + MAX_BROADCAST_MS }).success).toBe(true);
  });

  it('refuses end before start, on end', () => {
    const result = check('broadcast', { ...base, end: T - 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['end'], message: 'end must not be before start' }),
    ]);
  });

  it('refuses a broadcast over 24 hours, on end', () => {
    const result = check('broadcast', { ...base, end: T + MAX_BROADCAST_MS + 1 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['end'], message: 'a broadcast lasts at most 24 hours' }),
    ]);
  });
});
