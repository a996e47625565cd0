// InfluxDB line protocol serialisation: `measurement,tag=v field=1,other="s" 1700000000000000000`.
//
// Every point Loa stores is written through this file: the measurements of protocol/storage.ts compile
// one {@link lineFormatter} each, and the ingest formats every message it accepts with them (~400,000
// a second on one core, bench/pipeline.ts). So the escape functions first scan the string for a
// character that needs escaping and return it untouched when there is none (the common case: device
// ids, place names, numbers), and only then build a new string; a compiled formatter escapes its keys
// once, and the ingest keeps each device's series key (measurement and tags) instead of escaping its
// tags per message. No regular expressions, no per-call arrays. {@link formatLine} is for points whose
// shape is not known in advance (tests, ad-hoc tools).
//
// It lives in protocol/, not influx/, because it is the text form of the storage contract and needs
// nothing of an InfluxDB client: a part that only writes points (the broker's self-metrics) imports
// the contract without the client (docs/architecture.md#folders).
//
// What the InfluxDB 1.x parser (models/points.go) does, and why the rules below look the way they do:
// - measurement: `,` and space end it, so they are escaped with a backslash;
// - tag keys, tag values, field keys: `,`, `=` and space are escaped;
// - a character counts as escaped when the byte before it is a backslash, so a value that ends in a
//   backslash would swallow the delimiter that follows it: trailing backslashes are dropped;
// - newlines end a point, and no escape for them exists outside string fields, so in names and tags
//   `\n`/`\r` become the two characters `\n`/`\r`;
// - string field values are double-quoted with `"` and `\` escaped; a newline inside the quotes is kept
//   as it is (the parser's scanLine ends a point only at a newline outside quotes), so a device's
//   multi-line detail reads back exactly as it was sent (issue #14, point 11).

/** Thrown when a point cannot be written as valid line protocol (no fields, bad number, empty name). */
export class LineProtocolError extends TypeError {
  override name = 'LineProtocolError';
}

const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Escapes one string; `equals` says whether `=` must be escaped too (tags and field keys, not measurements). */
function escapeName(s: string, equals: boolean): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE || c === LF || c === CR || (equals && c === EQUALS)) break;
  }
  // Fast path: nothing to escape and no trailing backslash (checked in one comparison).
  if (i === n && (n === 0 || s.charCodeAt(n - 1) !== BACKSLASH)) return s;
  let end = n;
  while (end > 0 && s.charCodeAt(end - 1) === BACKSLASH) end--;
  let out = s.slice(0, Math.min(i, end));
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === COMMA) out += '\\,';
    else if (c === SPACE) out += '\\ ';
    else if (equals && c === EQUALS) out += '\\=';
    else if (c === LF) out += '\\n';
    else if (c === CR) out += '\\r';
    else out += s.charAt(j);
  }
  return out;
}

/** Escapes a measurement name: `,` and space. */
export function escapeMeasurement(s: string): string {
  return escapeName(s, false);
}

/** Escapes a tag value: `,`, `=` and space. */
export function escapeTagValue(s: string): string {
  return escapeName(s, true);
}

/** Escapes a tag key (same rules as tag values). */
export const escapeTagKey: (s: string) => string = escapeTagValue;

/** Escapes a field key (same rules as tag keys). */
export const escapeFieldKey: (s: string) => string = escapeTagValue;

/** Escapes the inside of a string field value (without the surrounding quotes): `"` and `\`. */
export function escapeFieldString(s: string): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE || c === BACKSLASH) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) out += '\\"';
    else if (c === BACKSLASH) out += '\\\\';
    else out += s.charAt(j);
  }
  return out;
}

/** A number to be written as an integer field (`42i`). Made with {@link int}. */
export class IntField {
  constructor(readonly value: number | bigint) {}
}

/** Marks a number as an integer field for {@link formatLine}: `int(42)` is written `42i`, `42` is a float. */
export function int(value: number | bigint): IntField {
  return new IntField(value);
}

/**
 * A field value for {@link formatLine}: `number` is a float, `bigint` or {@link int} an integer, `boolean`
 * and `string` are themselves; `undefined` fields are left out.
 */
export type FieldValue = number | bigint | IntField | boolean | string;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Serialises a float field value; NaN and ±Infinity have no line-protocol form. */
export function formatFloat(v: number, key = 'field'): string {
  // `v - v === 0` is false exactly for NaN and ±Infinity, and cheaper than Number.isFinite's type check.
  if (v - v !== 0) throw new LineProtocolError(`field "${key}" is ${v}, which InfluxDB cannot store`);
  // String(v) gives the shortest round-trip form; exponents (`1e+21`, `5e-7`) are accepted by the parser.
  return String(v);
}

/** Serialises an integer field value with its `i` suffix; refuses fractions and values outside int64. */
export function formatInt(v: number | bigint, key = 'field'): string {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) throw new LineProtocolError(`field "${key}" (${v}) is outside int64`);
    return `${v}i`;
  }
  // Beyond 2^53 a number is not an exact integer any more; callers with such values must pass a bigint.
  if (!Number.isSafeInteger(v)) throw new LineProtocolError(`field "${key}" (${v}) is not a safe integer`);
  return `${v}i`;
}

function formatFieldValue(key: string, v: FieldValue): string {
  if (typeof v === 'number') return formatFloat(v, key);
  if (typeof v === 'string') return `"${escapeFieldString(v)}"`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return formatInt(v, key);
  return formatInt(v.value, key);
}

/**
 * One point as one line of line protocol, for code that builds points ad hoc (the ingest's hot path uses
 * {@link lineFormatter}, which does not sort keys per call). Undefined tags, empty tag values and
 * undefined fields are left out; tags are sorted by key, as InfluxDB would otherwise do on every write.
 * `timeNs` is a nanosecond timestamp string (see {@link msToNs}); without it the server's clock is used.
 * @throws LineProtocolError when no field is left, or a number cannot be written.
 */
export function formatLine(
  measurement: string,
  tags: Readonly<Record<string, string | undefined>>,
  fields: Readonly<Record<string, FieldValue | undefined>>,
  timeNs?: string,
): string {
  const name = escapeMeasurement(measurement);
  if (name === '') throw new LineProtocolError('measurement name is empty');
  let line = name;
  const tagKeys = Object.keys(tags);
  if (tagKeys.length > 1) tagKeys.sort();
  for (const k of tagKeys) {
    const v = tags[k];
    if (v === undefined || v === '' || k === '') continue;
    const ek = escapeTagKey(k);
    const ev = escapeTagValue(v);
    // A value made only of backslashes escapes to nothing, and an empty tag value is invalid.
    if (ek !== '' && ev !== '') line += `,${ek}=${ev}`;
  }
  let sep = ' ';
  for (const k in fields) {
    const v = fields[k];
    if (v === undefined) continue;
    const ek = escapeFieldKey(k);
    if (ek === '') continue;
    line += `${sep}${ek}=${formatFieldValue(k, v)}`;
    sep = ',';
  }
  if (sep === ' ') throw new LineProtocolError(`point "${measurement}" has no fields`);
  return timeNs === undefined || timeNs === '' ? line : `${line} ${timeNs}`;
}

/** Field types a {@link lineFormatter} schema can declare. */
export type FieldKind = 'float' | 'int' | 'bool' | 'string';

/** The TypeScript type of a value for a {@link FieldKind}. */
export type FieldKindValue<K extends FieldKind> = K extends 'float'
  ? number
  : K extends 'int'
    ? number | bigint
    : K extends 'bool'
      ? boolean
      : string;

/** What a measurement carries: its tag keys and its typed fields. */
export interface LineSchema {
  readonly tags: readonly string[];
  readonly fields: Readonly<Record<string, FieldKind>>;
}

/** Tag values of a point of schema `S`; undefined and empty values are left out. */
export type TagValues<S extends LineSchema> = {
  readonly [K in S['tags'][number]]?: string | undefined;
};

/** Field values of a point of schema `S`, typed by the schema; undefined fields are left out. */
export type FieldValues<S extends LineSchema> = {
  readonly [K in keyof S['fields']]?: FieldKindValue<S['fields'][K]> | undefined;
};

/**
 * A compiled serialiser for one measurement; see {@link lineFormatter}. Called, it writes a whole line;
 * `series` and `point` split that in two for writers that keep a series key (measurement and escaped
 * tags) per device and add only fields and time per point: `f.point(f.series(tags), fields, t)` is
 * exactly `f(tags, fields, t)`.
 */
export interface LineFormatter<S extends LineSchema> {
  (tags: TagValues<S>, fields: FieldValues<S>, timeNs?: string): string;
  /** The series key: the escaped measurement and tags, tags sorted by key. */
  series(tags: TagValues<S>): string;
  /** A series key from {@link LineFormatter.series}, then the fields and the time. */
  point(series: string, fields: FieldValues<S>, timeNs?: string): string;
}

interface CompiledField {
  key: string;
  /** `,key=` with the key escaped once at compile time. */
  prefix: string;
  /** ` key=`: the same for the first field written, which follows the tags. */
  lead: string;
  kind: FieldKind;
}

/**
 * Compiles a serialiser for one measurement whose tags and field types are known in advance (the
 * measurements of protocol/storage.ts). Tag keys are sorted and all keys escaped once here, so a call
 * only escapes values and concatenates; fields are written in the schema's order. Field types come
 * from the schema, so integers need no marking:
 * `lineFormatter('heartbeat', { tags: ['device'], fields: { seq: 'int', mains_v: 'float' } })`.
 */
export function lineFormatter<const S extends LineSchema>(measurement: string, schema: S): LineFormatter<S> {
  const name = escapeMeasurement(measurement);
  if (name === '') throw new LineProtocolError('measurement name is empty');
  const tagKeys = [...new Set(schema.tags)].sort();
  const tagPrefixes = tagKeys.map((k) => `,${escapeTagKey(k)}=`);
  const fields: CompiledField[] = Object.entries(schema.fields).map(([key, kind]) => ({
    key,
    prefix: `,${escapeFieldKey(key)}=`,
    lead: ` ${escapeFieldKey(key)}=`,
    kind,
  }));
  for (const k of [...tagKeys, ...fields.map((f) => f.key)]) {
    if (escapeTagKey(k) === '') throw new LineProtocolError(`measurement "${measurement}": empty key`);
  }
  const tagCount = tagKeys.length;
  const fieldCount = fields.length;

  function loopSeries(tags: TagValues<S>): string {
    const t = tags as Readonly<Record<string, string | undefined>>;
    let line = name;
    for (let i = 0; i < tagCount; i++) {
      const v = t[tagKeys[i] as string];
      if (v === undefined || v === '') continue;
      const ev = escapeTagValue(v);
      if (ev !== '') line += (tagPrefixes[i] as string) + ev;
    }
    return line;
  }

  function loopPoint(line: string, fields_: FieldValues<S>, timeNs?: string): string {
    const f = fields_ as Readonly<Record<string, unknown>>;
    let first = true;
    for (let i = 0; i < fieldCount; i++) {
      const field = fields[i] as CompiledField;
      const v = f[field.key];
      if (v === undefined) continue;
      let s: string;
      // The schema's kind decides the encoding; a value of the wrong JS type is a caller bug that would
      // otherwise surface later as a field type conflict in InfluxDB, so it is refused here.
      switch (field.kind) {
        case 'float':
          if (typeof v !== 'number') throw wrongType(measurement, field, v);
          s = formatFloat(v, field.key);
          break;
        case 'int':
          if (typeof v !== 'number' && typeof v !== 'bigint') throw wrongType(measurement, field, v);
          s = formatInt(v, field.key);
          break;
        case 'bool':
          if (typeof v !== 'boolean') throw wrongType(measurement, field, v);
          s = v ? 'true' : 'false';
          break;
        case 'string':
          if (typeof v !== 'string') throw wrongType(measurement, field, v);
          s = `"${escapeFieldString(v)}"`;
          break;
      }
      if (first) {
        line += field.lead + s;
        first = false;
      } else {
        line += field.prefix + s;
      }
    }
    if (first) throw new LineProtocolError(`point "${measurement}" has no fields`);
    return timeNs === undefined || timeNs === '' ? line : `${line} ${timeNs}`;
  }

  const compiled = compileCode<S>(measurement, name, tagKeys, tagPrefixes, fields);
  const series = compiled?.series ?? loopSeries;
  const point = compiled?.point ?? loopPoint;

  const format = (tags: TagValues<S>, fields_: FieldValues<S>, timeNs?: string) =>
    point(series(tags), fields_, timeNs);
  return Object.assign(format, { series, point });
}

function wrongType(measurement: string, field: CompiledField, v: unknown): LineProtocolError {
  return new LineProtocolError(
    `measurement "${measurement}": field "${field.key}" is declared ${field.kind} but got ${typeof v}`,
  );
}

/** How each kind checks and writes a value `v` of the generated code (`c` holds the helpers). */
const KIND_CODE: Readonly<Record<FieldKind, { refuse: string; write: string }>> = {
  // Numbers are written inline when they need no check beyond this one (a finite float, a safe
  // integer); the helpers then only refuse, or write a bigint.
  float: { refuse: "typeof v !== 'number'", write: "(v - v === 0 ? '' + v : c.float(v, K))" },
  int: {
    refuse: "typeof v !== 'number' && typeof v !== 'bigint'",
    write: "(Number.isSafeInteger(v) ? v + 'i' : c.int(v, K))",
  },
  bool: { refuse: "typeof v !== 'boolean'", write: "(v ? 'true' : 'false')" },
  string: { refuse: "typeof v !== 'string'", write: "'\"' + c.string(v) + '\"'" },
};

/**
 * A formatter's two halves as straight-line code (`new Function`, as protocol/fast-check.ts does): per
 * tag and per field one inline property read, one check and one concatenation. The loops above do the
 * same work with keyed reads that turn megamorphic past a few keys; on the ingest's heartbeat they cost
 * about half as much again as the hand-written template the schema replaced, the generated code about
 * a fifth more (docs/performance.md#what-made-the-difference). Keys are the schema's own constants (JSON-quoted into the source),
 * never input. Undefined when code generation is refused: the loops then do the work.
 */
function compileCode<S extends LineSchema>(
  measurement: string,
  name: string,
  tagKeys: readonly string[],
  tagPrefixes: readonly string[],
  fields: readonly CompiledField[],
): Pick<LineFormatter<S>, 'series' | 'point'> | undefined {
  const q = (text: string) => JSON.stringify(text);
  const series = [`let line = ${q(name)};`, 'let v;', 'let e;'];
  tagKeys.forEach((key, i) => {
    series.push(
      `v = t[${q(key)}];`,
      "if (v !== undefined && v !== '') {",
      '  e = c.tag(v);',
      `  if (e !== '') line += ${q(tagPrefixes[i] ?? '')} + e;`,
      '}',
    );
  });
  series.push('return line;');
  const point = ['let first = true;', 'let v;'];
  for (const field of fields) {
    const code = KIND_CODE[field.kind];
    point.push(
      `v = f[${q(field.key)}];`,
      'if (v !== undefined) {',
      `  const K = ${q(field.key)};`,
      `  if (${code.refuse}) throw c.wrongType(${q(field.kind)}, K, v);`,
      `  line += (first ? ${q(field.lead)} : ${q(field.prefix)}) + ${code.write};`,
      '  first = false;',
      '}',
    );
  }
  point.push('if (first) throw c.noFields();', "return t === undefined || t === '' ? line : line + ' ' + t;");
  const helpers = {
    tag: escapeTagValue,
    float: formatFloat,
    int: formatInt,
    string: escapeFieldString,
    wrongType: (kind: FieldKind, key: string, v: unknown) =>
      wrongType(measurement, { key, kind, prefix: '', lead: '' }, v),
    noFields: () => new LineProtocolError(`point "${measurement}" has no fields`),
  };
  const source = [
    `return { series: function series(t) {\n${series.join('\n')}\n},`,
    `point: function point(line, f, t) {\n${point.join('\n')}\n} };`,
  ].join('\n');
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema's own keys, never from input
    const build = new Function('c', source) as (
      c: typeof helpers,
    ) => Pick<LineFormatter<S>, 'series' | 'point'>;
    return build(helpers);
  } catch {
    // Code generation refused (a runtime that forbids it): the loops do the same work.
    return undefined;
  }
}

const ZEROS = '000000';

/**
 * Milliseconds since the epoch plus `sub` nanoseconds, as an exact nanosecond timestamp string.
 * ms * 1e6 exceeds 2^53 for any current date, so the digits are concatenated instead of multiplied:
 * `msToNs(1700000000123, 7)` is `'1700000000123000007'`. `sub` (0 ≤ sub < 1e6) lets several points of
 * one series share a millisecond without overwriting each other.
 */
export function msToNs(ms: number, sub = 0): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`msToNs: ${ms} is not an integer number of ms`);
  if (!Number.isInteger(sub) || sub < 0 || sub >= 1_000_000) {
    throw new RangeError(`msToNs: sub-millisecond part ${sub} is not an integer in [0, 1e6)`);
  }
  if (ms > 0) {
    if (sub === 0) return `${ms}${ZEROS}`;
    const s = String(sub);
    return `${ms}${ZEROS.slice(s.length)}${s}`;
  }
  if (ms === 0) return String(sub);
  // Before 1970 the digits cannot simply be concatenated (-1 ms + 5 ns is -999995 ns); rare, so exact bigint.
  return (BigInt(ms) * 1_000_000n + BigInt(sub)).toString();
}
