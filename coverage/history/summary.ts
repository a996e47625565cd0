import {
  COVERAGE_COMMUNE_DAY,
  COVERAGE_HAMLET_DAY,
  msToNs,
  type Criterion,
  type Province,
  type UnitType,
} from '../../protocol/index.js';
import { SUMMARY_BUCKETS, type SummaryBucket } from './buckets.js';
import {
  communeVerdict,
  DAY_VERDICTS,
  emptySeconds,
  hamletVerdict,
  secondsOfDay,
  type BucketSeconds,
  type DayVerdict,
  type Span,
  type StatusChange,
} from './day.js';

export interface HamletDay {
  province: string;
  commune: string;
  hamlet: string;
  name: string;
  seconds: BucketSeconds;
  /** A completed broadcast was logged by one of its clusters that day. */
  broadcast: boolean;
  verdict: DayVerdict;
}

export interface CommuneDay {
  province: string;
  commune: string;
  name: string;
  unit: UnitType;
  /** Whether the province's criterion applies to this unit type (xã by default). */
  applies: boolean;
  criterion: string;
  /** The commune's own status over the day (meets = covered, not_met = uncovered…). */
  seconds: BucketSeconds;
  /** Its hamlets' seconds, summed: the time-weighted availability of the commune. */
  hamletSeconds: BucketSeconds;
  hamlets: number;
  hamletsMet: number;
  hamletsBroadcast: number;
  broadcast: boolean;
  verdict: DayVerdict;
}

export interface DaySummary {
  /** The local day, `YYYY-MM-DD`. */
  day: string;
  from: number;
  to: number;
  hamlets: HamletDay[];
  communes: CommuneDay[];
}

/** What a day's summary is computed from, whatever read or produced it. */
export interface DayHistory {
  /** State changes per hamlet (`province/commune/hamlet`), in time order, the day's first state included. */
  hamlets: ReadonlyMap<string, readonly StatusChange[]>;
  /** State changes per commune (`province/commune`). */
  communes: ReadonlyMap<string, readonly StatusChange[]>;
  /** Per province: when the engine was running. */
  observed: ReadonlyMap<string, readonly Span[]>;
  /** Devices that logged a completed broadcast that day. */
  broadcasters: ReadonlySet<string>;
}

/** The local day [from, to) of `YYYY-MM-DD` in a zone at `offsetMs` from UTC. */
export function localDayRange(day: string, offsetMs: number): { from: number; to: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const from = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - offsetMs : NaN;
  if (!Number.isFinite(from) || new Date(from + offsetMs).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`a day is YYYY-MM-DD, not "${day}"`);
  }
  return { from, to: from + 86_400_000 };
}

/** The summaries of one local day for every hamlet and commune of a province. */
export function summarizeDay(
  province: Province,
  day: string,
  range: { from: number; to: number },
  history: DayHistory,
): DaySummary {
  const { from, to } = range;
  const criterion: Criterion = province.criterion;
  const observed = history.observed.get(province.id) ?? [];
  const out: DaySummary = { day, from, to, hamlets: [], communes: [] };
  for (const commune of province.communes) {
    const key = `${province.id}/${commune.id}`;
    const hamletSeconds = emptySeconds();
    const verdicts: DayVerdict[] = [];
    let hamletsBroadcast = 0;
    for (const hamlet of commune.hamlets) {
      const seconds = secondsOfDay(
        'hamlet',
        history.hamlets.get(`${key}/${hamlet.id}`) ?? [],
        observed,
        from,
        to,
      );
      const broadcast = commune.devices.some(
        (d) => d.hamlets.includes(hamlet.id) && history.broadcasters.has(d.device),
      );
      const verdict = hamletVerdict(seconds, criterion.dayCoveredShare);
      for (const b of SUMMARY_BUCKETS) hamletSeconds[b] += seconds[b];
      verdicts.push(verdict);
      if (broadcast) hamletsBroadcast++;
      out.hamlets.push({
        province: province.id,
        commune: commune.id,
        hamlet: hamlet.id,
        name: hamlet.name,
        seconds,
        broadcast,
        verdict,
      });
    }
    const own = secondsOfDay('commune', history.communes.get(key) ?? [], observed, from, to);
    out.communes.push({
      province: province.id,
      commune: commune.id,
      name: commune.name,
      unit: commune.unit,
      applies: criterion.appliesTo.includes(commune.unit),
      criterion: criterion.id,
      seconds: own,
      hamletSeconds,
      hamlets: commune.hamlets.length,
      hamletsMet: verdicts.filter((v) => v === 'met').length,
      hamletsBroadcast,
      broadcast: commune.devices.some((d) => history.broadcasters.has(d.device)),
      verdict: communeVerdict(verdicts, own, criterion),
    });
  }
  return out;
}

type SecondsFields<P extends string> = { [B in SummaryBucket as `${P}${B}_s`]: number };

/** A day's seconds per bucket as integer fields, `covered_s` … (or `hamlet_covered_s` …). */
function secondsFields<P extends string>(prefix: P, s: BucketSeconds): SecondsFields<P> {
  return Object.fromEntries(
    SUMMARY_BUCKETS.map((b) => [`${prefix}${b}_s`, Math.round(s[b])]),
  ) as SecondsFields<P>;
}

/**
 * The verdict again as 0/1 integers (`days_met=1i` …): a period's day counts are then `sum()`s that
 * InfluxDB computes over its integer blocks, instead of string comparisons on every point.
 */
function verdictCounts(verdict: DayVerdict): { [V in DayVerdict as `days_${V}`]: number } {
  return Object.fromEntries(DAY_VERDICTS.map((v) => [`days_${v}`, v === verdict ? 1 : 0])) as {
    [V in DayVerdict as `days_${V}`]: number;
  };
}

/**
 * The one writer of daily summaries: a point per hamlet and per commune at the local midnight that
 * starts the day. Written again for the same day (a rebuild), the points replace the old ones.
 */
export function summaryLines(summary: DaySummary): string[] {
  const at = msToNs(summary.from);
  const { day } = summary;
  const lines: string[] = [];
  for (const h of summary.hamlets) {
    lines.push(
      COVERAGE_HAMLET_DAY.line(
        { province: h.province, commune: h.commune, hamlet: h.hamlet },
        { ...secondsFields('', h.seconds), broadcast: h.broadcast, verdict: h.verdict, day, name: h.name },
        at,
      ),
    );
  }
  for (const c of summary.communes) {
    lines.push(
      COVERAGE_COMMUNE_DAY.line(
        { province: c.province, commune: c.commune },
        {
          ...secondsFields('', c.seconds),
          ...secondsFields('hamlet_', c.hamletSeconds),
          hamlets: c.hamlets,
          hamlets_met: c.hamletsMet,
          hamlets_broadcast: c.hamletsBroadcast,
          broadcast: c.broadcast,
          verdict: c.verdict,
          ...verdictCounts(c.verdict),
          broadcast_days: c.broadcast ? 1 : 0,
          unit: c.unit,
          applies: c.applies,
          criterion: c.criterion,
          day,
          name: c.name,
        },
        at,
      ),
    );
  }
  return lines;
}
