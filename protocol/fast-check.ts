import { z } from 'zod';
import type * as core from 'zod/v4/core';

/**
 * A fast acceptance test derived from a zod object schema: a plain predicate that says `true` only where
 * `schema.safeParse` would succeed. It never decides a refusal: `false` means "ask zod", which stays the
 * single authority for the verdict and for the error message. The schemas of messages.ts stay the one
 * definition of each payload; this only reads them.
 *
 * It understands what the wire contract uses: objects (zod's default of dropping unknown keys),
 * literals, enums, booleans, numbers with an integer format and inclusive or exclusive bounds, strings
 * with length bounds and regular expressions, arrays of those with length bounds, and `.optional()`.
 * Anything else (refinements, transforms, defaults, unions, coercion, strict objects, other string
 * formats…) makes it give up on the whole schema: `compileFastCheck` then returns `undefined`.
 */
export type FastCheck<T> = (value: unknown) => value is T;

export interface FastCheckOptions {
  /**
   * Also refuse objects (at the top level) with keys outside the shape, so that an accepted value is
   * itself what zod would output: zod drops unknown keys into a fresh object, this keeps the input.
   */
  exactKeys?: boolean;
}

/** Thrown inside the compiler for a construct it does not know; caught at the top to give up. */
class Unsupported extends Error {}

/**
 * Compiles the predicate once per schema, as straight-line code (`new Function`, like zod's own object
 * parser): one inline property read and a few comparisons per field. Closures over a table of per-field
 * tests measured four times slower, their keyed reads and indirect calls being megamorphic.
 */
export function compileFastCheck<S extends core.$ZodType>(
  schema: S,
  options: FastCheckOptions = {},
): FastCheck<core.output<S>> | undefined {
  let source: Compiled;
  try {
    source = compileObject(schema, options.exactKeys === true);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema's own definition, never from input
    const build = new Function('k', source.body) as (constants: unknown[]) => FastCheck<core.output<S>>;
    return build(source.constants);
  } catch {
    // Code generation refused (a runtime that forbids it): zod alone decides.
    return undefined;
  }
}

interface Compiled {
  body: string;
  constants: unknown[];
}

/** The `when` zod gives every length check by default (run on values with a length): harmless here. */
const DEFAULT_LENGTH_WHEN = z.string().max(1)._zod.def.checks?.[0]?._zod.def.when;

const NUMBER_FORMATS: Record<string, readonly [number, number] | undefined> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

/** The zod core traits each kind of node may carry; any other (a subclass with its own parse) gives up. */
const TRAITS: Record<string, readonly string[] | undefined> = {
  object: ['$ZodType', '$ZodObject', '$ZodObjectJIT'],
  literal: ['$ZodType', '$ZodLiteral'],
  enum: ['$ZodType', '$ZodEnum'],
  boolean: ['$ZodType', '$ZodBoolean'],
  number: ['$ZodType', '$ZodNumber', '$ZodNumberFormat', '$ZodCheckNumberFormat', '$ZodCheck'],
  string: ['$ZodType', '$ZodString'],
  array: ['$ZodType', '$ZodArray'],
  optional: ['$ZodType', '$ZodOptional'],
};

/** Above this many values an enum is tested with a Set instead of a chain of comparisons. */
const CHAIN_LIMIT = 16;

function give(up: string): never {
  throw new Unsupported(up);
}

function ownChecks(node: core.$ZodType): core.$ZodCheckDef[] {
  const allowed = TRAITS[node._zod.def.type] ?? give(`type ${node._zod.def.type}`);
  for (const trait of node._zod.traits) {
    if (trait.startsWith('$') && !allowed.includes(trait)) give(`trait ${trait}`);
  }
  if ((node._zod.def as { coerce?: boolean }).coerce === true) give('coercion');
  const checks = (node._zod.def.checks ?? []).map((check) => check._zod.def);
  // A number format (`z.int()`) is a schema that is its own first check.
  if (node._zod.traits.has('$ZodCheck')) checks.unshift(node._zod.def as unknown as core.$ZodCheckDef);
  return checks;
}

class Emitter {
  readonly lines: string[] = [];
  readonly constants: unknown[] = [];
  private names = 0;

  name(prefix: string): string {
    return `${prefix}${this.names++}`;
  }

  constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  indentFrom(start: number): void {
    for (let i = start; i < this.lines.length; i++) this.lines[i] = `  ${this.lines[i] ?? ''}`;
  }

  /** `return false` unless `condition` holds. */
  require(condition: string): void {
    this.lines.push(`if (!(${condition})) return false;`);
  }
}

function compileObject(node: core.$ZodType, exactKeys: boolean): Compiled {
  if (node._zod.def.type !== 'object') give('not an object');
  const def = node._zod.def as core.$ZodObjectDef;
  if (ownChecks(node).length > 0) give('object refinements');
  if (def.catchall !== undefined) give('catchall');
  const shape = def.shape;
  if (Object.getOwnPropertySymbols(shape).length > 0) give('symbol keys');
  const e = new Emitter();
  e.require(`typeof o === 'object' && o !== null && !Array.isArray(o)`);
  let required = 0;
  const optional: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    if (key === '__proto__') give('__proto__ key');
    const v = e.name('v');
    e.lines.push(`const ${v} = o[${JSON.stringify(key)}];`);
    if (emitValue(e, field, v)) optional.push(v);
    else required++;
  }
  if (exactKeys) {
    // Every key of the input must be one of the shape's: a required one, or an optional one given a value.
    const present = [String(required), ...optional.map((v) => `(${v} === undefined ? 0 : 1)`)].join(' + ');
    e.lines.push(`let keys = 0;`, `for (const _ in o) keys++;`, `return keys === ${present};`);
  } else {
    e.lines.push('return true;');
  }
  const fn = `return function fastCheck(o) {\n  ${e.lines.join('\n  ')}\n};`;
  const locals = e.constants.map((_, i) => `const k${i} = k[${i}];\n`).join('');
  return { body: `'use strict';\n${locals}${fn}`, constants: e.constants };
}

/** Emits the test of the value in variable `v`; returns whether the field may be left out. */
function emitValue(e: Emitter, node: core.$ZodType, v: string): boolean {
  const def = node._zod.def;
  const checks = ownChecks(node);
  // A plain string, not zod's union of types: every type without a case here gives up.
  const type: string = def.type;
  switch (type) {
    case 'optional': {
      if (checks.length > 0) give('optional with checks');
      e.lines.push(`if (${v} !== undefined) {`);
      const start = e.lines.length;
      if (emitValue(e, (def as core.$ZodOptionalDef).innerType, v)) give('nested optional');
      e.indentFrom(start);
      e.lines.push('}');
      return true;
    }
    case 'literal':
    case 'enum': {
      if (checks.length > 0) give(`${type} with checks`);
      const values = [...(node._zod.values ?? give('no values'))];
      if (values.length === 0) give('no values');
      if (values.length > CHAIN_LIMIT) e.require(`${e.constant(new Set(values))}.has(${v})`);
      else e.require(values.map((value) => equals(e, v, value)).join(' || '));
      return false;
    }
    case 'boolean':
      if (checks.length > 0) give('boolean with checks');
      e.require(`typeof ${v} === 'boolean'`);
      return false;
    case 'number':
      e.require(numberCondition(checks, v));
      return false;
    case 'string':
      e.require(stringCondition(e, checks, v));
      return false;
    case 'array': {
      const [min, max] = lengthBounds(checks);
      const conditions = [`Array.isArray(${v})`];
      if (min > 0) conditions.push(`${v}.length >= ${min}`);
      if (max !== Infinity) conditions.push(`${v}.length <= ${max}`);
      e.require(conditions.join(' && '));
      const i = e.name('i');
      const item = e.name('v');
      e.lines.push(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`, `  const ${item} = ${v}[${i}];`);
      const start = e.lines.length;
      if (emitValue(e, (def as core.$ZodArrayDef).element, item)) give('optional array element');
      e.indentFrom(start);
      e.lines.push('}');
      return false;
    }
    default:
      return give(`type ${type}`);
  }
}

/** `v` is `value` as zod's Set.has sees it (SameValueZero). */
function equals(e: Emitter, v: string, value: unknown): string {
  if (typeof value === 'string') return `${v} === ${JSON.stringify(value)}`;
  if (typeof value === 'boolean' || value === null) return `${v} === ${String(value)}`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return `${v} !== ${v}`;
    return `${v} === ${Number.isFinite(value) ? numberLiteral(value) : e.constant(value)}`;
  }
  if (typeof value === 'bigint') return `${v} === ${e.constant(value)}`;
  // `undefined` would make a required key omittable in our test but not in zod's; symbols are not JSON.
  return give(`literal ${typeof value}`);
}

function numberCondition(checks: core.$ZodCheckDef[], v: string): string {
  let int = false;
  let lo = -Infinity;
  let hi = Infinity;
  let loInclusive = true;
  let hiInclusive = true;
  for (const check of checks) {
    if (check.when !== undefined) give('conditional check');
    switch (check.check) {
      case 'number_format': {
        const format = (check as core.$ZodCheckNumberFormatDef).format;
        const range = NUMBER_FORMATS[format] ?? give(`format ${format}`);
        if (format.includes('int')) int = true;
        if (range[0] > lo) [lo, loInclusive] = [range[0], true];
        if (range[1] < hi) [hi, hiInclusive] = [range[1], true];
        break;
      }
      case 'greater_than': {
        const { value, inclusive } = check as core.$ZodCheckGreaterThanDef;
        if (typeof value !== 'number') give('non-number bound');
        if (value > lo || (value === lo && !inclusive)) [lo, loInclusive] = [value, inclusive];
        break;
      }
      case 'less_than': {
        const { value, inclusive } = check as core.$ZodCheckLessThanDef;
        if (typeof value !== 'number') give('non-number bound');
        if (value < hi || (value === hi && !inclusive)) [hi, hiInclusive] = [value, inclusive];
        break;
      }
      default:
        give(`number check ${check.check}`);
    }
  }
  // zod: a finite number (never NaN), then each check; an integer format also wants a safe integer.
  const conditions = [
    `typeof ${v} === 'number'`,
    int ? `Number.isSafeInteger(${v})` : `Number.isFinite(${v})`,
  ];
  if (Number.isNaN(lo) || Number.isNaN(hi)) give('NaN bound');
  // Bounds a safe integer always meets are left out.
  if (int && lo <= Number.MIN_SAFE_INTEGER && loInclusive) lo = -Infinity;
  if (int && hi >= Number.MAX_SAFE_INTEGER && hiInclusive) hi = Infinity;
  if (lo !== -Infinity) conditions.push(`${v} ${loInclusive ? '>=' : '>'} ${numberLiteral(lo)}`);
  if (hi !== Infinity) conditions.push(`${v} ${hiInclusive ? '<=' : '<'} ${numberLiteral(hi)}`);
  return conditions.join(' && ');
}

/** A finite number as source text that reads back as the same number (`-0` compares like `0`). */
function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) give('infinite bound');
  return n < 0 ? `(${String(n)})` : String(n);
}

function stringCondition(e: Emitter, checks: core.$ZodCheckDef[], v: string): string {
  const conditions = [`typeof ${v} === 'string'`];
  const [min, max] = lengthBounds(checks.filter((c) => c.check !== 'string_format'));
  // zod measures strings in code points: UTF-16 units bound them from above, half the units from below.
  if (max !== Infinity) conditions.push(`${v}.length <= ${max}`);
  if (min === 1) conditions.push(`${v}.length !== 0`);
  else if (min > 1)
    conditions.push(`(${v}.length >= ${2 * min} || ${e.constant(codePoints)}(${v}) >= ${min})`);
  for (const check of checks) {
    if (check.check !== 'string_format') continue;
    const { format, pattern } = check as core.$ZodCheckStringFormatDef;
    if (check.when !== undefined) give('conditional check');
    if (format !== 'regex' || pattern === undefined) give(`string format ${format}`);
    if (pattern.global || pattern.sticky) give('stateful regex');
    conditions.push(`${e.constant(pattern)}.test(${v})`);
  }
  return conditions.join(' && ');
}

function lengthBounds(checks: core.$ZodCheckDef[]): [number, number] {
  let min = 0;
  let max = Infinity;
  for (const check of checks) {
    if (check.when !== undefined && check.when !== DEFAULT_LENGTH_WHEN) give('conditional check');
    if (check.check === 'max_length') max = Math.min(max, (check as core.$ZodCheckMaxLengthDef).maximum);
    else if (check.check === 'min_length') min = Math.max(min, (check as core.$ZodCheckMinLengthDef).minimum);
    else give(`length check ${check.check}`);
  }
  if (!Number.isInteger(min) || !(max === Infinity || Number.isInteger(max))) give('odd length bound');
  return [min, max];
}

/** Code points of a string, counting a lone surrogate as one, as zod does. */
function codePoints(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit < 0xdc00) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        count--;
        i++;
      }
    }
  }
  return count;
}
