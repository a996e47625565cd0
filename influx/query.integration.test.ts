// The InfluxQL client against the run's real InfluxDB 1.x (started by test/influxd-global-setup.ts).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from '../test/influx-helpers.js';
import { InfluxQueryError } from './errors.js';
import { createInfluxQl, quoteIdent, quoteString, type InfluxQl } from './query.js';
import { createV1Writer } from './v1-writer.js';

const url = inject('influxUrl');
let db: InfluxQl & { database: string };

beforeAll(async () => {
  db = await freshDatabase(url, 'query');
  const w = createV1Writer({ url, database: db.database, timeoutMs: 10_000, gzip: false });
  await w.write([
    'presence,commune=c1,device=d1 online=true 1000000000',
    'presence,commune=c1,device=d2 online=false 2000000000',
    'presence,commune=c2,device=d3 online=true 3000000000',
  ]);
});

async function queryError(p: Promise<unknown>): Promise<InfluxQueryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InfluxQueryError);
  return err as InfluxQueryError;
}

describe('createInfluxQl', () => {
  it('answers ping with the server version', async () => {
    const { version } = await db.ping();
    expect(version).toMatch(/^1\./);
  });

  it('returns typed series with times in ms', async () => {
    const series = await db.query('SELECT "online" FROM "presence" WHERE "commune" = \'c1\'');
    expect(series).toEqual([
      {
        name: 'presence',
        columns: ['time', 'online'],
        values: [
          [1000, true],
          [2000, false],
        ],
      },
    ]);
  });

  it('returns tags with GROUP BY and series of several statements in order', async () => {
    const series = await db.query(
      'SELECT count("online") FROM "presence" GROUP BY "commune"; SELECT "online" FROM "presence" WHERE "device" = \'d3\'',
    );
    expect(series.map((s) => [s.name, s.tags, s.values.length])).toEqual([
      ['presence', { commune: 'c1' }, 1],
      ['presence', { commune: 'c2' }, 1],
      ['presence', undefined, 1],
    ]);
  });

  it('binds $parameters', async () => {
    const series = await db.query('SELECT "online" FROM "presence" WHERE "device" = $device', {
      device: 'd2',
    });
    expect(series[0]?.values).toEqual([[2000, false]]);
  });

  it('returns no series for an empty result', async () => {
    expect(await db.query('SELECT * FROM "nothing_here"')).toEqual([]);
  });

  it('throws the server message for a syntax error', async () => {
    const e = await queryError(db.query('SELEC x'));
    expect(e.status).toBe(400);
    expect(e.message).toContain('error parsing query');
  });

  it('throws the server message for a failing statement', async () => {
    const e = await queryError(db.query('SELECT * FROM "no_such_db"."autogen"."m"'));
    expect(e.statementId).toBe(0);
    expect(e.message).toContain('database not found: no_such_db');
  });

  it('creates and drops databases (POST), with quoted names', async () => {
    const name = `q "odd" name ${process.pid}`;
    await db.createDatabase(name);
    await db.createDatabase(name); // Idempotent, as CREATE DATABASE is in 1.x.
    const dbs = await db.query('SHOW DATABASES');
    expect(dbs[0]?.values.flat()).toContain(name);
    await db.dropDatabase(name);
    const after = await db.query('SHOW DATABASES');
    expect(after[0]?.values.flat()).not.toContain(name);
  });

  it('quotes identifiers and strings for InfluxQL', async () => {
    expect(quoteIdent('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteString("it's")).toBe("'it\\'s'");
    const series = await db.query(
      `SELECT "online" FROM ${quoteIdent('presence')} WHERE "device" = ${quoteString('d1')}`,
    );
    expect(series[0]?.values).toEqual([[1000, true]]);
  });

  it('reports an unreachable server with the network code', async () => {
    const down = createInfluxQl({ url: 'http://127.0.0.1:1', database: 'x', timeoutMs: 2000 });
    const e = await queryError(down.ping());
    expect(e.code).toBe('ECONNREFUSED');
  });
});
