import { quoteString, type InfluxQl, type InfluxValue, type Series } from '../influx/index.js';
import { COVERAGE_COMMUNE, COVERAGE_HAMLET } from '../protocol/index.js';

/** One commune as the running engine last wrote it (`coverage_commune`). */
export interface CommuneCoverageRow {
  province: string;
  commune: string;
  name: string;
  status: string;
  hamlets: number;
  covered: number;
  unmonitored: number;
  regular: number;
  station: string;
  /** Under a maintenance window now; `assessed`: the criterion applies to its unit type. */
  maintenance: boolean;
  unit: string;
  assessed: boolean;
  since: number;
  at: number;
}

export interface HamletCoverageRow {
  province: string;
  commune: string;
  hamlet: string;
  name: string;
  status: string;
  regular: boolean;
  /** False during the first days of history: regularity is not judged yet. */
  regularityJudged: boolean;
  broadcastDays: number;
  clusters: number;
  clustersUp: number;
  /** FM and wired clusters among `clusters`: present, unverifiable. */
  clustersUnmonitored: number;
  since: number;
  at: number;
}

type Row = Record<string, InfluxValue>;

/**
 * The engine writes every place's state at start and at local midnight, then changes only: a place's
 * latest point may be a day old while the engine runs.
 */
const FRESH_MS = 26 * 3_600_000;

function rows(series: Series[]): Row[] {
  return series.flatMap((s) =>
    s.values.map((v): Row => ({
      ...s.tags,
      ...Object.fromEntries(s.columns.map((c, i) => [c, v[i] ?? null])),
    })),
  );
}
const str = (v: InfluxValue | undefined) => (v === null || v === undefined ? '' : String(v));
const num = (v: InfluxValue | undefined) => (typeof v === 'number' ? v : Number(v ?? 0));

/**
 * The latest coverage the engine wrote (every place at start and at local midnight, then changes), read back from the
 * retention policy `long`: what `loa coverage` shows, with no connection to the running process.
 */
export async function readCommuneCoverage(
  ql: InfluxQl,
  { retentionPolicy = 'long', freshMs = FRESH_MS } = {},
): Promise<CommuneCoverageRow[]> {
  const { name, tag: t, field: f } = COVERAGE_COMMUNE;
  const series = await ql.query(
    `SELECT * FROM "${retentionPolicy}"."${name}" WHERE time > now() - ${freshMs}ms GROUP BY "${t.province}", "${t.commune}" ORDER BY time DESC LIMIT 1`,
  );
  return rows(series)
    .map((r) => ({
      province: str(r[t.province]),
      commune: str(r[t.commune]),
      name: str(r[f.name]),
      status: str(r[f.status]),
      hamlets: num(r[f.hamlets]),
      covered: num(r[f.covered]),
      unmonitored: num(r[f.unmonitored]),
      regular: num(r[f.regular]),
      station: str(r[f.station]),
      maintenance: r[f.maintenance] === true,
      unit: str(r[f.unit]) || 'xa',
      assessed: r[f.assessed] !== false,
      since: num(r[f.since]),
      at: num(r.time),
    }))
    .sort((a, b) => a.province.localeCompare(b.province) || a.commune.localeCompare(b.commune));
}

export async function readHamletCoverage(
  ql: InfluxQl,
  commune: string,
  { retentionPolicy = 'long', freshMs = FRESH_MS } = {},
): Promise<HamletCoverageRow[]> {
  const { name, tag: t, field: f } = COVERAGE_HAMLET;
  const series = await ql.query(
    `SELECT * FROM "${retentionPolicy}"."${name}" WHERE time > now() - ${freshMs}ms AND "${t.commune}" = ${quoteString(commune)} GROUP BY "${t.province}", "${t.commune}", "${t.hamlet}" ORDER BY time DESC LIMIT 1`,
  );
  return rows(series)
    .map((r) => ({
      province: str(r[t.province]),
      commune: str(r[t.commune]),
      hamlet: str(r[t.hamlet]),
      name: str(r[f.name]),
      status: str(r[f.status]),
      regular: r[f.regular] === true,
      regularityJudged: r[f.regularity_judged] !== false,
      broadcastDays: num(r[f.broadcast_days]),
      clusters: num(r[f.clusters]),
      clustersUp: num(r[f.clusters_up]),
      clustersUnmonitored: num(r[f.clusters_unmonitored]),
      since: num(r[f.since]),
      at: num(r.time),
    }))
    .sort((a, b) => a.hamlet.localeCompare(b.hamlet));
}
