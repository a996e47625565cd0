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

const T = 1_750_000_000_000;

/** Per channel: the smallest valid message, a full one, and for every field values that must fail. */
interface Case {
  minimal: Record<string, unknown>;
  full: Record<string, unknown>;
  required: string[];
  invalid: Record<string, unknown[]>;
  /** Values at the edges of a range, which must pass. */
  edges?: Record<string, unknown[]>;
  enums?: Record<string, readonly string[]>;
}

const NOT_AN_INT = ['1', 1.5, null, true, -1];
const NOT_A_STRING = [1, null, true, {}, []];
const NOT_A_BOOL = ['true', 1, 0, null];

const cases: Record<Channel, Case> = {
  state: {
    minimal: { v: 1, online: true, session: 0 },
    full: { v: 1, online: false, session: 7, ts: T, reason: 'shutdown' },
    required: ['v', 'online', 'session'],
    invalid: {
      v: [0, 2, '1', 1.0001, null],
      online: NOT_A_BOOL,
      session: NOT_AN_INT,
      ts: NOT_AN_INT,
      reason: ['restart', 'BOOT', 1, null],
    },
    edges: { session: [0, Number.MAX_SAFE_INTEGER], ts: [0] },
    enums: { reason: STATE_REASONS },
  },
  meta: {
    minimal: { v: 1, ts: T, kind: 'cluster', firmware: '2.4.1' },
    full: {
      v: 1,
      ts: T,
      kind: 'cluster',
      firmware: '2.4.1',
      hamlets: ['an-hoa', 'an-thanh'],
      link: '4g',
      model: 'TT-IP200',
      lat: 10.38,
      lon: 105.43,
      speakers: 4,
      heartbeat_s: 60,
    },
    required: ['v', 'ts', 'kind', 'firmware'],
    invalid: {
      v: [2, '1'],
      ts: NOT_AN_INT,
      kind: ['speaker', 'Station', 1],
      firmware: ['', 'x'.repeat(65), ...NOT_A_STRING],
      hamlets: ['an-hoa', ['An Hòa'], ['an-hoa', 3], Array.from({ length: 65 }, (_, i) => `h${i}`)],
      link: ['fm', 'lte', '5g', 1],
      model: ['x'.repeat(65), 1],
      lat: [-90.01, 90.01, '10.38', null],
      lon: [-180.01, 180.01, '105.43'],
      speakers: [-1, 1001, 2.5, '4'],
      heartbeat_s: [0, 86_401, 1.5, '60'],
    },
    edges: {
      firmware: ['x', 'x'.repeat(64)],
      hamlets: [[], Array.from({ length: 64 }, (_, i) => `h${i}`)],
      lat: [-90, 90],
      lon: [-180, 180],
      speakers: [0, 1000],
      heartbeat_s: [1, 86_400],
    },
    enums: { kind: DEVICE_KINDS, link: REPORTED_LINKS },
  },
  heartbeat: {
    minimal: { v: 1, ts: T, seq: 0, uptime_s: 0, power: 'mains', amp: 'off' },
    full: {
      v: 1,
      ts: T,
      seq: 1042,
      uptime_s: 86_400.5,
      power: 'battery',
      amp: 'on',
      playing: true,
      volume_pct: 80,
      mains_v: 0,
      battery_v: 12.6,
      relay: 'ok',
      rssi_dbm: -71,
      temp_c: 41.5,
    },
    required: ['v', 'ts', 'seq', 'uptime_s', 'power', 'amp'],
    invalid: {
      v: [2],
      ts: NOT_AN_INT,
      seq: NOT_AN_INT,
      uptime_s: [-1, '10', null],
      power: ['grid', 'Mains', 1],
      amp: ['broken', true],
      playing: NOT_A_BOOL,
      volume_pct: [-1, 100.1, 101, '80', null],
      mains_v: [-1, 1000.1, '220'],
      battery_v: [-0.1, 100.1, '12'],
      relay: ['open', false],
      rssi_dbm: [-200.1, 1, '-70'],
      temp_c: [-60.1, 150.1, '40'],
    },
    edges: {
      volume_pct: [0, 100, 33.3],
      mains_v: [0, 1000],
      battery_v: [0, 100],
      rssi_dbm: [-200, 0],
      temp_c: [-60, 150],
      uptime_s: [0, 3.25],
    },
    enums: { power: POWER_SOURCES, amp: AMP_STATES, relay: RELAY_STATES },
  },
  broadcast: {
    minimal: {
      v: 1,
      id: 'log-1',
      start: T,
      end: T + 3_600_000,
      priority: 'normal',
      source: 'national',
      status: 'completed',
    },
    full: {
      v: 1,
      id: 'log-1',
      start: T,
      end: T + 3_600_000,
      priority: 'emergency',
      source: 'provincial',
      status: 'interrupted',
      program: 'Bản tin phòng chống lụt bão',
      bulletin: 'AG-2025-0412',
    },
    required: ['v', 'id', 'start', 'end', 'priority', 'source', 'status'],
    invalid: {
      v: [2],
      id: ['', 'x'.repeat(65), ...NOT_A_STRING],
      start: NOT_AN_INT,
      end: NOT_AN_INT,
      priority: ['urgent', 1],
      source: ['local', null],
      status: ['ok', 'done'],
      program: ['x'.repeat(201), 1],
      bulletin: ['x'.repeat(65), 1],
    },
    edges: { id: ['x'.repeat(64)], program: ['', 'x'.repeat(200)], bulletin: ['x'.repeat(64)] },
    enums: { priority: PRIORITIES, source: SOURCES, status: BROADCAST_STATUSES },
  },
  event: {
    minimal: { v: 1, ts: T, type: 'reboot' },
    full: { v: 1, ts: T, type: 'power_lost', detail: 'mains 0 V since 05:12' },
    required: ['v', 'ts', 'type'],
    invalid: {
      v: [2],
      ts: NOT_AN_INT,
      type: ['fire', 'POWER_LOST', 1],
      detail: ['x'.repeat(501), 1, null],
    },
    edges: { detail: ['', 'x'.repeat(500)] },
    enums: { type: EVENT_TYPES },
  },
};

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

  it('requires exactly the fields DESIGN §3 marks bold', () => {
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

describe('enums of DESIGN §3', () => {
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
