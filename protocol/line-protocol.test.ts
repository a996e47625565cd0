import { describe, expect, it } from 'vitest';
import {
  escapeFieldKey,
  escapeFieldString,
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  formatLine,
  int,
  lineFormatter,
  LineProtocolError,
  msToNs,
} from './line-protocol.js';

describe('escapeMeasurement', () => {
  it('returns plain names untouched (same string, no copy)', () => {
    const s = 'heartbeat';
    expect(escapeMeasurement(s)).toBe(s);
  });
  it('escapes commas and spaces but not equals signs', () => {
    expect(escapeMeasurement('a b,c=d')).toBe('a\\ b\\,c=d');
  });
  it('turns newlines into the two characters \\n and \\r', () => {
    expect(escapeMeasurement('a\nb\r')).toBe('a\\nb\\r');
  });
});

describe('escapeTagValue / escapeTagKey / escapeFieldKey', () => {
  it('escapes spaces, commas and equals signs', () => {
    expect(escapeTagValue('Xã Tân Lập, thôn 3=x')).toBe('Xã\\ Tân\\ Lập\\,\\ thôn\\ 3\\=x');
    expect(escapeTagKey('a b')).toBe('a\\ b');
    expect(escapeFieldKey('k=1,2')).toBe('k\\=1\\,2');
  });
  it('leaves Vietnamese text without special characters untouched', () => {
    const s = 'Hà_Giang-Đồng_Văn-Lũng_Cú';
    expect(escapeTagValue(s)).toBe(s);
  });
  it('keeps backslashes in the middle (the parser reads them back as they are)', () => {
    expect(escapeTagValue('a\\b')).toBe('a\\b');
    expect(escapeTagValue('a\\,b')).toBe('a\\\\,b');
  });
  it('drops trailing backslashes, which would escape the delimiter after the value', () => {
    expect(escapeTagValue('abc\\')).toBe('abc');
    expect(escapeTagValue('a b\\\\')).toBe('a\\ b');
    expect(escapeTagValue('\\')).toBe('');
  });
  it('never lets a newline through', () => {
    const out = escapeTagValue('line1\nline2\r\n');
    expect(out).toBe('line1\\nline2\\r\\n');
    expect(out).not.toMatch(/[\n\r]/);
  });
  it('handles the empty string', () => {
    expect(escapeTagValue('')).toBe('');
  });
});

describe('escapeFieldString', () => {
  it('returns plain text untouched, including spaces, commas and equals signs', () => {
    const s = 'Bản tin thời sự, 18h = tối';
    expect(escapeFieldString(s)).toBe(s);
  });
  it('escapes double quotes and backslashes', () => {
    expect(escapeFieldString('say "hi" \\o/')).toBe('say \\"hi\\" \\\\o/');
  });
  it('keeps newlines inside the quotes, where InfluxDB reads them back as they were sent', () => {
    expect(escapeFieldString('a\nb\r\nc')).toBe('a\nb\r\nc');
  });
  it('keeps a trailing backslash from escaping the closing quote', () => {
    expect(`"${escapeFieldString('ends with \\')}"`).toBe('"ends with \\\\"');
  });
});

describe('formatLine', () => {
  it('writes floats, integers, booleans and strings', () => {
    const line = formatLine(
      'heartbeat',
      { device: 'd1' },
      { mains_v: 221.5, seq: int(42), big: 9007199254740993n, power: true, amp: false, note: 'ok' },
      '1700000000000000000',
    );
    expect(line).toBe(
      'heartbeat,device=d1 mains_v=221.5,seq=42i,big=9007199254740993i,power=true,amp=false,note="ok" 1700000000000000000',
    );
  });
  it('writes an integral number as a float unless marked', () => {
    expect(formatLine('m', {}, { v: 5 })).toBe('m v=5');
    expect(formatLine('m', {}, { v: int(5) })).toBe('m v=5i');
    expect(formatLine('m', {}, { v: int(-7) })).toBe('m v=-7i');
  });
  it('sorts tags by key', () => {
    expect(formatLine('m', { province: 'p', commune: 'c', device: 'd' }, { v: 1 })).toBe(
      'm,commune=c,device=d,province=p v=1',
    );
  });
  it('skips undefined tags, empty tag values and undefined fields', () => {
    expect(formatLine('m', { a: undefined, b: '', c: 'x' }, { f: undefined, g: 1 }, '5')).toBe('m,c=x g=1 5');
  });
  it('omits the timestamp when none is given', () => {
    expect(formatLine('m', {}, { v: 1 })).toBe('m v=1');
  });
  it('throws when no field is left', () => {
    expect(() => formatLine('m', { a: 'b' }, {})).toThrow(LineProtocolError);
    expect(() => formatLine('m', {}, { a: undefined })).toThrow(/no fields/);
  });
  it('throws on NaN, Infinity, fractional or unsafe integers, and int64 overflow', () => {
    expect(() => formatLine('m', {}, { v: NaN })).toThrow(LineProtocolError);
    expect(() => formatLine('m', {}, { v: Infinity })).toThrow(LineProtocolError);
    expect(() => formatLine('m', {}, { v: int(1.5) })).toThrow(/not a safe integer/);
    expect(() => formatLine('m', {}, { v: int(2 ** 60) })).toThrow(/not a safe integer/);
    expect(() => formatLine('m', {}, { v: 2n ** 63n })).toThrow(/int64/);
    expect(formatLine('m', {}, { v: -(2n ** 63n) })).toBe('m v=-9223372036854775808i');
  });
  it('throws on an empty measurement', () => {
    expect(() => formatLine('', {}, { v: 1 })).toThrow(/measurement/);
  });
  it('escapes every part; a newline is left raw only inside a quoted string field', () => {
    const line = formatLine(
      'ev ent,x',
      { 'ta g': 'Thôn Nà Lầu, bản=2', nl: 'a\nb' },
      { 'de tail': 'Loa hỏng\n"dây" C:\\loa', n: 1.25e-7 },
      '1',
    );
    expect(line).toBe(
      'ev\\ ent\\,x,nl=a\\nb,ta\\ g=Thôn\\ Nà\\ Lầu\\,\\ bản\\=2 de\\ tail="Loa hỏng\n\\"dây\\" C:\\\\loa",n=1.25e-7 1',
    );
  });
});

describe('lineFormatter', () => {
  const heartbeat = lineFormatter('heartbeat', {
    tags: ['province', 'commune', 'device'],
    fields: { uptime_s: 'int', mains_v: 'float', power: 'bool', note: 'string' },
  });

  it('writes the same line as formatLine, with types from the schema', () => {
    const tags = { province: 'Hà Giang', commune: 'Lũng Cú', device: 'd-1' };
    const line = heartbeat(
      tags,
      { uptime_s: 3600, mains_v: 220, power: true, note: 'a "b"' },
      msToNs(1700000000000),
    );
    expect(line).toBe(
      'heartbeat,commune=Lũng\\ Cú,device=d-1,province=Hà\\ Giang uptime_s=3600i,mains_v=220,power=true,note="a \\"b\\"" 1700000000000000000',
    );
    expect(line).toBe(
      formatLine(
        'heartbeat',
        tags,
        { uptime_s: int(3600), mains_v: 220, power: true, note: 'a "b"' },
        '1700000000000000000',
      ),
    );
  });
  it('skips missing tags and fields, and starts the field set right after the tags', () => {
    expect(heartbeat({ device: 'd' }, { mains_v: 1.5 })).toBe('heartbeat,device=d mains_v=1.5');
    expect(heartbeat({ device: '', commune: undefined }, { power: false }, '7')).toBe(
      'heartbeat power=false 7',
    );
  });
  it('accepts bigint for integer fields', () => {
    expect(heartbeat({}, { uptime_s: 12n })).toBe('heartbeat uptime_s=12i');
  });
  it('throws when no field is present, and on values of the wrong type', () => {
    expect(() => heartbeat({ device: 'd' }, {})).toThrow(/no fields/);
    expect(() => heartbeat({}, { uptime_s: 1.5 })).toThrow(LineProtocolError);
    // A caller without type checking (JSON from elsewhere) gets a clear error, not a type conflict later.
    const loose = heartbeat as (t: object, f: Record<string, unknown>) => string;
    expect(() => loose({}, { mains_v: '220' })).toThrow(/declared float but got string/);
    expect(() => loose({}, { power: 1 })).toThrow(/declared bool/);
  });
  it('escapes keys once, at compile time', () => {
    const f = lineFormatter('m m', { tags: ['b b', 'a=a'], fields: { 'f,1': 'int' } });
    expect(f({ 'b b': 'x', 'a=a': 'y' }, { 'f,1': 1 })).toBe('m\\ m,a\\=a=y,b\\ b=x f\\,1=1i');
  });
});

describe('msToNs', () => {
  it('appends six digits exactly, beyond 2^53', () => {
    expect(msToNs(1700000000123)).toBe('1700000000123000000');
    expect(msToNs(1700000000123, 7)).toBe('1700000000123000007');
    expect(msToNs(1700000000123, 999_999)).toBe('1700000000123999999');
    expect(msToNs(1700000000123, 123_456)).toBe('1700000000123123456');
    expect(BigInt(msToNs(1700000000123, 42))).toBe(1700000000123n * 1_000_000n + 42n);
  });
  it('handles the epoch and dates before it', () => {
    expect(msToNs(0)).toBe('0');
    expect(msToNs(0, 5)).toBe('5');
    expect(msToNs(-1, 5)).toBe('-999995');
    expect(msToNs(-1)).toBe('-1000000');
  });
  it('refuses fractional milliseconds and out-of-range sub-millisecond parts', () => {
    expect(() => msToNs(1.5)).toThrow(RangeError);
    expect(() => msToNs(1, 1_000_000)).toThrow(RangeError);
    expect(() => msToNs(1, -1)).toThrow(RangeError);
    expect(() => msToNs(1, 0.5)).toThrow(RangeError);
  });
});
