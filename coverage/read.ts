import { quoteString, type InfluxQl, type InfluxValue, type Series } from '../influx/index.js';

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
  const series = await ql.query(
    `SELECT * FROM "${retentionPolicy}"."coverage_commune" WHERE time > now() - ${freshMs}ms GROUP BY province, commune ORDER BY time DESC LIMIT 1`,
  );
  return rows(series)
    .map((r) => ({
      province: str(r.province),
      commune: str(r.commune),
      name: str(r.name),
      status: str(r.status),
      hamlets: num(r.hamlets),
      covered: num(r.covered),
      unmonitored: num(r.unmonitored),
      regular: num(r.regular),
      station: str(r.station),
      maintenance: r.maintenance === true,
      unit: str(r.unit) || 'xa',
      assessed: r.assessed !== false,
      since: num(r.since),
      at: num(r.time),
    }))
    .sort((a, b) => a.province.localeCompare(b.province) || a.commune.localeCompare(b.commune));
}

export async function readHamletCoverage(
  ql: InfluxQl,
  commune: string,
  { retentionPolicy = 'long', freshMs = FRESH_MS } = {},
): Promise<HamletCoverageRow[]> {
  const series = await ql.query(
    `SELECT * FROM "${retentionPolicy}"."coverage_hamlet" WHERE time > now() - ${freshMs}ms AND commune = ${quoteString(commune)} GROUP BY province, commune, hamlet ORDER BY time DESC LIMIT 1`,
  );
  return rows(series)
    .map((r) => ({
      province: str(r.province),
      commune: str(r.commune),
      hamlet: str(r.hamlet),
      name: str(r.name),
      status: str(r.status),
      regular: r.regular === true,
      regularityJudged: r.regularity_judged !== false,
      broadcastDays: num(r.broadcast_days),
      clusters: num(r.clusters),
      clustersUp: num(r.clusters_up),
      clustersUnmonitored: num(r.clusters_unmonitored),
      since: num(r.since),
      at: num(r.time),
    }))
    .sort((a, b) => a.hamlet.localeCompare(b.hamlet));
}
