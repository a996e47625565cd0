// The v1 writer against the run's real InfluxDB 1.x (started by test/influxd-global-setup.ts).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../test/influx-helpers.js';
import { InfluxWriteError } from './errors.js';
import { formatLine, int, lineFormatter, msToNs } from '../protocol/index.js';
import type { InfluxQl } from './query.js';
import { createV1Writer } from './v1-writer.js';

const url = inject('influxUrl');
let db: InfluxQl & { database: string };

beforeAll(async () => {
  db = await freshDatabase(url, 'v1_writer');
});

async function writeError(p: Promise<void>): Promise<InfluxWriteError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InfluxWriteError);
  return err as InfluxWriteError;
}

const T0 = 1_700_000_000_000;

describe.each([true, false])('createV1Writer (gzip %s)', (gzip) => {
  it('writes points that read back with their types, tags and exact times', async () => {
    const m = `hb_gzip_${gzip}`;
    const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip });
    await w.write([
      formatLine(
        m,
        { device: 'd1', province: 'Hà Giang' },
        { seq: int(1), mains_v: 220.5, power: true },
        msToNs(T0),
      ),
      formatLine(
        m,
        { device: 'd2', province: 'Hà Giang' },
        { seq: int(2), mains_v: 219, power: false },
        msToNs(T0 + 1),
      ),
    ]);
    const series = await db.query(`SELECT * FROM "${m}" ORDER BY time`);
    expect(series).toHaveLength(1);
    expect(series[0]?.columns).toEqual(['time', 'device', 'mains_v', 'power', 'province', 'seq']);
    expect(series[0]?.values).toEqual([
      [T0, 'd1', 220.5, true, 'Hà Giang', 1],
      [T0 + 1, 'd2', 219, false, 'Hà Giang', 2],
    ]);
    const types = await db.query(`SHOW FIELD KEYS FROM "${m}"`);
    expect(types[0]?.values).toEqual([
      ['mains_v', 'float'],
      ['power', 'boolean'],
      ['seq', 'integer'],
    ]);
  });
});

describe('createV1Writer', () => {
  it('round-trips escaped Vietnamese text, quotes, backslashes, commas and newlines', async () => {
    const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip: true });
    const commune = 'Xã Lũng Cú, huyện Đồng Văn=HG';
    const detail = 'Loa hỏng "dây" tại C:\\thôn 3\nđã báo,\r\n chờ sửa\n';
    await w.write([
      formatLine('event', { commune, type: 'amp fault' }, { detail }, msToNs(T0)),
      formatLine('event', { commune, type: 'reboot' }, { detail: 'next point' }, msToNs(T0 + 1)),
    ]);
    const series = await db.query('SELECT "commune", "type", "detail" FROM "event"');
    // A device's newline reads back as a newline (issue #14, point 11), not as the two characters \n,
    // and the point after it in the same body is still a point of its own.
    expect(series[0]?.values).toEqual([
      [T0, commune, 'amp fault', detail],
      [T0 + 1, commune, 'reboot', 'next point'],
    ]);
  });

  it('keeps points of one series a nanosecond apart distinct', async () => {
    const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip: false });
    const f = lineFormatter('ns_test', { tags: ['device'], fields: { v: 'int' } });
    await w.write([0, 1, 2, 999_999].map((k) => f({ device: 'd' }, { v: k }, msToNs(T0, k))));
    const series = await db.query('SELECT count("v") FROM "ns_test"');
    expect(series[0]?.values[0]?.[1]).toBe(4);
  });

  it('handles two concurrent batches of 5,000 lines', async () => {
    const w = createV1Writer({ url, database: db.database, timeoutMs: 30_000, gzip: true });
    const f = lineFormatter('bulk', { tags: ['device', 'batch'], fields: { seq: 'int', mains_v: 'float' } });
    const batch = (b: string): string[] =>
      Array.from({ length: 5000 }, (_, i) =>
        f({ device: `dev-${i % 500}`, batch: b }, { seq: i, mains_v: 220 + (i % 10) / 10 }, msToNs(T0 + i)),
      );
    await Promise.all([w.write(batch('a')), w.write(batch('b'))]);
    const series = await db.query('SELECT count("seq") FROM "bulk" GROUP BY "batch"');
    expect(series.map((s) => [s.tags?.['batch'], s.values[0]?.[1]])).toEqual([
      ['a', 5000],
      ['b', 5000],
    ]);
  });

  it('reports a field type conflict as a non-retryable partial write with the server message', async () => {
    const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip: true });
    await w.write(['conflict v=1 1000000']);
    const e = await writeError(w.write(['conflict v=2 2000000', 'conflict v="text" 3000000']));
    expect(e).toMatchObject({ status: 400, retryable: false, partial: true, dropped: 1 });
    expect(e.message).toMatch(/field type conflict/);
    // The valid point of the batch was written.
    const series = await db.query('SELECT count("v") FROM "conflict"');
    expect(series[0]?.values[0]?.[1]).toBe(2);
  });

  it('reports unparsable line protocol as non-retryable with the offending line', async () => {
    const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip: false });
    const e = await writeError(w.write(['broken v= 1']));
    expect(e).toMatchObject({ status: 400, retryable: false, partial: false });
    expect(e.message).toContain("unable to parse 'broken v= 1'");
  });

  it('says clearly that a database does not exist, and does not retry', async () => {
    const w = createV1Writer({ url, database: 'no_such_db_here', timeoutMs: 10_000, gzip: true });
    const e = await writeError(w.write(['m v=1']));
    expect(e).toMatchObject({ status: 404, retryable: false });
    expect(e.message).toMatch(/database "no_such_db_here" not found/);
  });

  it('writes into a named retention policy', async () => {
    await db.query(`CREATE RETENTION POLICY "short" ON "${db.database}" DURATION 1h REPLICATION 1`);
    const w = createV1Writer({
      url,
      database: db.database,
      retentionPolicy: 'short',
      timeoutMs: 10_000,
      gzip: true,
    });
    await w.write([formatLine('rp_test', {}, { v: 1 })]);
    const series = await db.query(`SELECT "v" FROM "${db.database}"."short"."rp_test"`);
    expect(series[0]?.values).toHaveLength(1);
  });
});
