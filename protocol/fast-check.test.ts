import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFastCheck } from './fast-check.js';
import {
  AMP_STATES,
  channelSchemas,
  DEVICE_KINDS,
  EVENT_TYPES,
  POWER_SOURCES,
  RELAY_STATES,
  REPORTED_LINKS,
  STATE_REASONS,
} from './messages.js';
import { CHANNELS } from './topic.js';
import { MESSAGE_CASES, T, type MessageCase } from '../test/fixtures/message-cases.js';

const cases = MESSAGE_CASES;

const zodAccepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

/** Whether a value holds a string whose UTF-16 length differs from its code point count. */
function hasSurrogates(value: unknown): boolean {
  if (typeof value === 'string') return /[\uD800-\uDFFF]/.test(value);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasSurrogates);
  return false;
}

describe('compiled from the channel schemas', () => {
  it('compiles every channel but broadcast, whose refinements leave it to zod', () => {
    for (const channel of CHANNELS) {
      const check = compileFastCheck(channelSchemas[channel]);
      expect(check === undefined, channel).toBe(channel === 'broadcast');
    }
  });
});

const compiled = CHANNELS.filter((channel) => channel !== 'broadcast');

describe.each(compiled)('%s: the fast check agrees with zod on the tables', (channel) => {
  const schema = channelSchemas[channel];
  const fast = compileFastCheck(schema);
  const exact = compileFastCheck(schema, { exactKeys: true });
  const c = cases[channel];
  if (fast === undefined || exact === undefined) throw new Error(`no fast check for ${channel}`);

  const valid = [
    c.minimal,
    c.full,
    ...Object.entries(c.edges ?? {}).flatMap(([field, values]) =>
      values.map((v) => ({ ...c.full, [field]: v })),
    ),
    ...Object.entries(c.enums ?? {}).flatMap(([field, values]) =>
      values.map((v) => ({ ...c.full, [field]: v })),
    ),
    ...Object.keys(c.full)
      .filter((field) => !(field in c.minimal))
      .map((field) => {
        const { [field]: _dropped, ...rest } = c.full;
        return rest;
      }),
  ];
  it.each(valid)('accepts %o, as zod does, and it is what zod outputs', (message) => {
    expect(zodAccepts(schema, message)).toBe(true);
    expect(fast(message)).toBe(true);
    expect(exact(message)).toBe(true);
    expect(schema.parse(message)).toEqual(message);
  });

  const invalid = [
    ...Object.entries(c.invalid).flatMap(([field, values]) => values.map((v) => ({ ...c.full, [field]: v }))),
    ...Object.keys(c.minimal).map((field) => {
      const { [field]: _dropped, ...rest } = c.minimal;
      return rest;
    }),
    ...[0, 2, '1', null].map((v) => ({ ...c.minimal, v })),
    null,
    [],
    'x',
    1,
    [c.full],
  ];
  it.each(invalid)('refuses %o, as zod does', (message) => {
    expect(zodAccepts(schema, message)).toBe(false);
    expect(fast(message)).toBe(false);
    expect(exact(message)).toBe(false);
  });

  it('accepts unknown extra keys like zod, unless asked for exact keys', () => {
    const extra = { ...c.full, firmware_build: 'abc', extra: { nested: [1, 2] } };
    expect(zodAccepts(schema, extra)).toBe(true);
    expect(fast(extra)).toBe(true);
    expect(exact(extra)).toBe(false);
    expect(exact(JSON.parse(`{"__proto__":1,${JSON.stringify(c.minimal).slice(1)}`))).toBe(false);
  });
});

/** Mulberry32: a small seeded generator, so that a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** The next double after `x` towards +∞ (step 1) or −∞ (step −1). */
function nextAfter(x: number, step: 1 | -1): number {
  if (x === 0) return step * Number.MIN_VALUE;
  f64[0] = x;
  i64[0] = (i64[0] ?? 0n) + BigInt((x > 0 ? 1 : -1) * step);
  return f64[0];
}

const BOUNDS = [-200, -180, -90, -60, 0, 1, 64, 90, 100, 150, 180, 1000, 86_400, T, 2 ** 53 - 1, 2 ** 53];
const NUMBERS = [
  ...BOUNDS.flatMap((b) => [b, -b, nextAfter(b, 1), nextAfter(b, -1), b + 0.5, b - 1, b + 1]),
  -0,
  NaN,
  Infinity,
  -Infinity,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
];
const ENUM_VALUES = [
  ...STATE_REASONS,
  ...DEVICE_KINDS,
  ...REPORTED_LINKS,
  ...POWER_SOURCES,
  ...AMP_STATES,
  ...RELAY_STATES,
  ...EVENT_TYPES,
];
const STRINGS = [
  '',
  'x',
  ...[63, 64, 65, 199, 200, 201, 499, 500, 501].map((n) => 'x'.repeat(n)),
  ...[1, 32, 33, 64, 65, 250, 251].map((n) => '😀'.repeat(n)),
  '\uD800',
  'a\uDC00b',
  `${'x'.repeat(63)}\uD800`,
  ...ENUM_VALUES,
  ...ENUM_VALUES.map((v) => v.toUpperCase()),
  'an-hoa',
  'An Hòa',
  '-a',
  'a-',
  'a--b',
  '1',
  '1.5',
  'true',
  'null',
];
const OTHERS = [
  null,
  true,
  false,
  undefined,
  {},
  [],
  [1],
  ['an-hoa'],
  ['an-hoa', 'AN'],
  ['😀'],
  Array.from({ length: 64 }, (_, i) => `h${i}`),
  Array.from({ length: 65 }, (_, i) => `h${i}`),
  { nested: 1 },
];

function anyValue(r: () => number): unknown {
  const pool = [NUMBERS, STRINGS, OTHERS][Math.floor(r() * 3)] as readonly unknown[];
  return pool[Math.floor(r() * pool.length)];
}

/** A valid message of the channel with one to three mutations of the kinds a fuzzer would try. */
function mutant(r: () => number, c: MessageCase): unknown {
  const message: Record<string, unknown> = { ...(r() < 0.5 ? c.minimal : c.full) };
  const fields = Object.keys(c.full);
  const mutations = 1 + Math.floor(r() * 3);
  for (let m = 0; m < mutations; m++) {
    const field = fields[Math.floor(r() * fields.length)] ?? 'v';
    const kind = r();
    if (kind < 0.2) Reflect.deleteProperty(message, field);
    else if (kind < 0.8) message[field] = anyValue(r);
    else if (kind < 0.95) message[`${field}_x`] = anyValue(r);
    else return r() < 0.5 ? anyValue(r) : [message];
  }
  return message;
}

describe.each(compiled)('%s: randomized inputs', (channel) => {
  it('the fast check never accepts what zod refuses, and refuses what zod accepts only over code points', () => {
    const schema = channelSchemas[channel];
    const fast = compileFastCheck(schema);
    const exact = compileFastCheck(schema, { exactKeys: true });
    if (fast === undefined || exact === undefined) throw new Error(`no fast check for ${channel}`);
    const r = random(CHANNELS.indexOf(channel) + 2025);
    const tally = { both: 0, neither: 0, zodOnly: 0 };
    for (let i = 0; i < 10_000; i++) {
      const value = mutant(r, cases[channel]);
      const parsed = schema.safeParse(value);
      const accepted = fast(value);
      if (accepted) {
        expect(parsed.success, JSON.stringify(value)).toBe(true);
        tally.both++;
      } else if (parsed.success) {
        // zod counts code points, the fast check UTF-16 units at the upper bounds: it may only defer.
        expect(hasSurrogates(value), JSON.stringify(value)).toBe(true);
        tally.zodOnly++;
      } else {
        tally.neither++;
      }
      if (exact(value)) {
        expect(accepted).toBe(true);
        expect(parsed.data).toEqual(value);
      }
    }
    // The generator must exercise both sides, or the test proves nothing.
    expect(tally.both).toBeGreaterThan(500);
    expect(tally.neither).toBeGreaterThan(2000);
  });
});

describe('schemas it does not understand', () => {
  const base = { a: z.int() };
  it.each([
    ['a refinement', z.object(base).refine(() => true)],
    ['a superRefine', z.object(base).superRefine(() => undefined)],
    ['a field refinement', z.object({ a: z.int().refine((n) => n !== 3) })],
    ['a transform', z.object({ a: z.string().transform((s) => s.length) })],
    ['a default', z.object({ a: z.int().default(1) })],
    ['a nullable', z.object({ a: z.int().nullable() })],
    ['a union', z.object({ a: z.union([z.int(), z.string()]) })],
    ['a nested object', z.object({ a: z.object(base) })],
    ['a strict object', z.strictObject(base)],
    ['a loose object', z.looseObject(base)],
    ['coercion', z.object({ a: z.coerce.number() })],
    ['a string format', z.object({ a: z.email() })],
    ['a string check other than length and regex', z.object({ a: z.string().startsWith('x') })],
    ['a multipleOf', z.object({ a: z.number().multipleOf(5) })],
    ['a literal undefined', z.object({ a: z.literal(undefined) })],
    ['a pipe', z.object({ a: z.string().pipe(z.string()) })],
    ['not an object', z.string()],
  ] as [string, z.ZodType][])('gives up on %s', (_what, schema) => {
    expect(compileFastCheck(schema)).toBeUndefined();
  });
});

describe('constructs the wire contract does not use yet', () => {
  const schema = z.object({
    gt: z.number().gt(0).lt(10).optional(),
    int32: z
      .number()
      .int()
      .max(2 ** 31)
      .optional(),
    i: z.int32().optional(),
    u: z.uint32().optional(),
    f: z.float32().optional(),
    lit: z.literal(['a', 2, true, null]).optional(),
    big: z.literal(5n).optional(),
    many: z.enum(Array.from({ length: 20 }, (_, i) => `e${i}`) as [string, ...string[]]).optional(),
    name: z
      .string()
      .min(3)
      .max(4)
      .regex(/^[a-z😀]+$/u)
      .optional(),
    list: z.array(z.int().positive()).min(1).max(2).optional(),
  });
  const fast = compileFastCheck(schema);
  const values: Record<string, unknown> = {};
  const samples: [string, unknown[]][] = [
    ['gt', [0, -0, Number.MIN_VALUE, 10, nextAfter(10, -1), 5]],
    ['int32', [2 ** 31, 2 ** 31 + 1, 3.5, -(2 ** 53)]],
    ['i', [2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1]],
    ['u', [0, -1, 2 ** 32 - 1, 2 ** 32]],
    ['f', [3.4e38, 3.5e38, -3.5e38, 0.1]],
    ['lit', ['a', 2, true, null, 'b', false, '2', undefined]],
    ['big', [5n, 5, 6n]],
    ['many', ['e0', 'e19', 'e20', 'E1']],
    ['name', ['abc', 'ab', 'abcde', '😀😀😀', '😀😀', '😀😀😀😀😀', 'ab😀', 'ABC']],
    ['list', [[], [1], [1, 2], [1, 2, 3], [0], [1.5], ['1']]],
  ];
  it('compiles', () => {
    expect(fast).toBeDefined();
  });
  it.each(samples.flatMap(([key, vs]) => vs.map((v) => ({ key, v }))))(
    '$key = $v: same verdict as zod',
    ({ key, v }) => {
      const value = { ...values, [key]: v };
      const zod = zodAccepts(schema, value);
      if (fast?.(value) === true) expect(zod).toBe(true);
      else if (zod) expect(hasSurrogates(value)).toBe(true);
    },
  );
  it('accepts the plain cases exactly as zod does', () => {
    for (const [key, vs] of samples) {
      for (const v of vs) {
        const value = { [key]: v };
        if (!hasSurrogates(value))
          expect(fast?.(value), `${key} = ${String(v)}`).toBe(zodAccepts(schema, value));
      }
    }
  });
});
