import { describe, expect, it } from 'vitest';
import { decodePayload, describeIssues, type TimeWindow } from './decode.js';
import { DEFAULT_RETENTION_MS, MAX_FUTURE_SKEW_MS, MAX_PAYLOAD_BYTES } from './limits.js';
import { heartbeatSchema } from './messages.js';
import type { Channel } from './topic.js';

const NOW = 1_750_000_000_000;
const window: TimeWindow = { now: NOW, retentionMs: DEFAULT_RETENTION_MS };
const encoder = new TextEncoder();

const heartbeat = { v: 1, ts: NOW, seq: 1, uptime_s: 60, power: 'mains', amp: 'on' };
const valid: Record<Channel, Record<string, unknown>> = {
  state: { v: 1, ts: NOW, online: true, session: 4, reason: 'boot' },
  meta: { v: 1, ts: NOW, kind: 'cluster', firmware: '2.4.1' },
  heartbeat,
  broadcast: {
    v: 1,
    id: 'log-1',
    start: NOW - 3_600_000,
    end: NOW,
    priority: 'normal',
    source: 'national',
    status: 'completed',
  },
  event: { v: 1, ts: NOW, type: 'power_lost' },
};
const channels = Object.keys(valid) as Channel[];

/** A heartbeat padded with an unknown field to exactly `bytes` bytes of UTF-8, using `unit` as filler. */
function padded(bytes: number, unit = 'a'): string {
  const base = JSON.stringify({ ...heartbeat, pad: '' });
  const room = bytes - Buffer.byteLength(base);
  const unitBytes = Buffer.byteLength(unit);
  const text = JSON.stringify({
    ...heartbeat,
    pad: unit.repeat(Math.floor(room / unitBytes)) + 'a'.repeat(room % unitBytes),
  });
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('decodePayload: valid payloads', () => {
  it.each(channels)('decodes %s from a string and from bytes', (channel) => {
    const text = JSON.stringify(valid[channel]);
    expect(decodePayload(channel, text, window)).toEqual({ ok: true, message: valid[channel] });
    expect(decodePayload(channel, encoder.encode(text), window)).toEqual({
      ok: true,
      message: valid[channel],
    });
    expect(decodePayload(channel, Buffer.from(text), window)).toEqual({ ok: true, message: valid[channel] });
  });

  it('reads only its own bytes of a view into a larger buffer', () => {
    const text = JSON.stringify(heartbeat);
    const whole = Buffer.from(`xxxx${text}yyyy`);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, Buffer.byteLength(text));
    expect(decodePayload('heartbeat', view, window)).toEqual({ ok: true, message: heartbeat });
  });

  it('drops unknown fields and keeps Vietnamese text intact', () => {
    const event = { v: 1, ts: NOW, type: 'tamper', detail: 'Mở tủ điện ở ấp Đông Hòa' };
    const result = decodePayload('event', encoder.encode(JSON.stringify({ ...event, extra: 1 })), window);
    expect(result).toEqual({ ok: true, message: event });
  });

  it('accepts a state without ts (the Will), whatever the clock', () => {
    const will = { v: 1, online: false, session: 4, reason: 'lost' };
    expect(decodePayload('state', JSON.stringify(will), { now: 0, retentionMs: 0 })).toEqual({
      ok: true,
      message: will,
    });
  });
});

describe('decodePayload: size', () => {
  it(`accepts exactly ${MAX_PAYLOAD_BYTES} bytes and refuses ${MAX_PAYLOAD_BYTES + 1}`, () => {
    for (const form of [(s: string) => s, (s: string) => encoder.encode(s)]) {
      expect(decodePayload('heartbeat', form(padded(MAX_PAYLOAD_BYTES)), window).ok).toBe(true);
      expect(decodePayload('heartbeat', form(padded(MAX_PAYLOAD_BYTES + 1)), window)).toEqual({
        ok: false,
        reason: 'payload_too_large',
        detail: '4097 bytes, at most 4096',
      });
    }
  });

  it('counts bytes of UTF-8, not characters', () => {
    const text = padded(MAX_PAYLOAD_BYTES + 2, 'ấ'); // 3 bytes a character
    expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(decodePayload('heartbeat', text, window)).toMatchObject({
      ok: false,
      reason: 'payload_too_large',
    });
    expect(decodePayload('heartbeat', encoder.encode(text), window)).toMatchObject({
      reason: 'payload_too_large',
    });
    expect(decodePayload('heartbeat', padded(MAX_PAYLOAD_BYTES, 'đ'), window).ok).toBe(true);
  });

  it('checks the size before anything else', () => {
    const junk = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0xff);
    expect(decodePayload('heartbeat', junk, window)).toMatchObject({ reason: 'payload_too_large' });
  });
});

describe('decodePayload: encoding and JSON', () => {
  const json = encoder.encode(JSON.stringify({ ...heartbeat, pad: 'XX' }));
  const at = Buffer.from(json).indexOf('XX');

  it.each([
    ['a byte that never occurs in UTF-8', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate encoded in UTF-8', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe1, 0xba]],
  ])('refuses %s as invalid_json', (_what, bytes) => {
    const bad = Buffer.concat([json.subarray(0, at), Buffer.from(bytes), json.subarray(at + 2)]);
    expect(decodePayload('heartbeat', bad, window)).toEqual({
      ok: false,
      reason: 'invalid_json',
      detail: 'payload is not valid UTF-8',
    });
  });

  it.each([
    ['empty', ''],
    ['cut short', '{"v":1,"ts":'],
    ['single quotes', "{'v':1}"],
    ['a trailing comma', '{"v":1,}'],
    ['NaN', '{"v":NaN}'],
    ['a byte order mark', `\uFEFF${JSON.stringify(heartbeat)}`],
    ['two objects', '{"v":1}{"v":1}'],
  ])('refuses %s as invalid_json', (_what, text) => {
    const result = decodePayload('heartbeat', text, window);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(result.ok || result.detail.length > 0).toBe(true);
  });

  it.each(['null', '[]', '[{"v":1}]', '1', '"text"', 'true'])(
    'refuses the JSON value %s as schema',
    (text) => {
      expect(decodePayload('heartbeat', text, window)).toEqual({
        ok: false,
        reason: 'schema',
        detail: 'payload must be a JSON object',
      });
    },
  );
});

describe('decodePayload: schema', () => {
  it('gives the zod issue path in the detail', () => {
    const result = decodePayload('heartbeat', JSON.stringify({ ...heartbeat, power: 'grid' }), window);
    expect(result).toMatchObject({ ok: false, reason: 'schema' });
    expect(!result.ok && result.detail).toMatch(/^power: /);
  });

  it('refuses v other than 1', () => {
    expect(decodePayload('event', JSON.stringify({ ...valid.event, v: 2 }), window)).toMatchObject({
      reason: 'schema',
      detail: expect.stringMatching(/^v: /) as unknown,
    });
  });

  it('checks the schema before the clock', () => {
    const bad = { ...heartbeat, ts: NOW + 10 * MAX_FUTURE_SKEW_MS, amp: 'loud' };
    expect(decodePayload('heartbeat', JSON.stringify(bad), window)).toMatchObject({ reason: 'schema' });
  });
});

describe('decodePayload: device clock', () => {
  const stamped = ['state', 'meta', 'heartbeat', 'event'] as const;
  const at = (channel: Channel, ts: number) => JSON.stringify({ ...valid[channel], ts });

  it.each(stamped)('%s: accepts ts exactly 5 minutes ahead, refuses 1 ms more', (channel) => {
    expect(decodePayload(channel, at(channel, NOW + MAX_FUTURE_SKEW_MS), window).ok).toBe(true);
    expect(decodePayload(channel, at(channel, NOW + MAX_FUTURE_SKEW_MS + 1), window)).toMatchObject({
      ok: false,
      reason: 'ts_future',
    });
  });

  it.each(stamped)('%s: accepts ts at the edge of retention, refuses 1 ms older', (channel) => {
    expect(decodePayload(channel, at(channel, NOW - DEFAULT_RETENTION_MS), window).ok).toBe(true);
    expect(decodePayload(channel, at(channel, NOW - DEFAULT_RETENTION_MS - 1), window)).toMatchObject({
      ok: false,
      reason: 'ts_too_old',
    });
  });

  it('uses the retention it is given', () => {
    const text = at('heartbeat', NOW - 3_600_001);
    expect(decodePayload('heartbeat', text, { now: NOW, retentionMs: 3_600_000 })).toMatchObject({
      reason: 'ts_too_old',
    });
    expect(decodePayload('heartbeat', text, { now: NOW, retentionMs: 7_200_000 }).ok).toBe(true);
  });

  it('names the offending time in the detail', () => {
    expect(decodePayload('event', at('event', NOW + MAX_FUTURE_SKEW_MS + 1), window)).toEqual({
      ok: false,
      reason: 'ts_future',
      detail: `${new Date(NOW + MAX_FUTURE_SKEW_MS + 1).toISOString()} is ahead of the platform clock`,
    });
  });

  describe('broadcast: end must not be in the future, start not too old', () => {
    const b = valid.broadcast;
    const text = (start: number, end: number) => JSON.stringify({ ...b, start, end });

    it('accepts the edges', () => {
      expect(decodePayload('broadcast', text(NOW, NOW + MAX_FUTURE_SKEW_MS), window).ok).toBe(true);
      expect(
        decodePayload(
          'broadcast',
          text(NOW - DEFAULT_RETENTION_MS, NOW - DEFAULT_RETENTION_MS + 60_000),
          window,
        ).ok,
      ).toBe(true);
    });

    it('refuses an end ahead of the clock', () => {
      expect(decodePayload('broadcast', text(NOW, NOW + MAX_FUTURE_SKEW_MS + 1), window)).toMatchObject({
        reason: 'ts_future',
      });
    });

    it('refuses a start older than retention, even when the end is not', () => {
      expect(
        decodePayload(
          'broadcast',
          text(NOW - DEFAULT_RETENTION_MS - 1, NOW - DEFAULT_RETENTION_MS + 60_000),
          window,
        ),
      ).toMatchObject({
        reason: 'ts_too_old',
      });
    });
  });
});

describe('describeIssues', () => {
  it('lists at most three issues with their paths, (root) for the object itself', () => {
    const issues = (value: unknown) => {
      const result = heartbeatSchema.safeParse(value);
      if (result.success) throw new Error('expected a failure');
      return describeIssues(result.error);
    };
    const text = issues({ v: 2 });
    expect(text.split('; ')).toHaveLength(3);
    expect(text).toMatch(/^v: .*; ts: .*; seq: /);
    expect(issues(null)).toMatch(/^\(root\): /);
  });
});
