import { bucketOf, isOutage, SUMMARY_BUCKETS, type PlaceLevel, type SummaryBucket } from './buckets.js';

/**
 * A place's day, time-weighted: how many seconds of it fell in each bucket, computed from its state
 * changes (each status holds from its time until the next change) and from the spans during which the
 * engine was running. Time the engine did not see, or before the place's first known state, is no data.
 * Pure: the engine's day close, `loa report rebuild` and the backfill all compute days here.
 */

/** A status a place entered at `at` (epoch ms); it holds until the next change. */
export interface StatusChange {
  at: number;
  status: string;
}

/** [from, to) in epoch ms. */
export interface Span {
  from: number;
  to: number;
}

export type BucketSeconds = Record<SummaryBucket, number>;

export function emptySeconds(): BucketSeconds {
  return { covered: 0, at_risk: 0, uncovered: 0, unverified: 0, maintenance: 0, no_data: 0 };
}

/**
 * The spans during which the engine ran, from the times of its per-minute points: each point vouches
 * for `holdMs` after it (two write periods, so that one late write leaves no gap).
 */
export function observedSpans(times: readonly number[], holdMs: number): Span[] {
  const spans: Span[] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    const last = spans.at(-1);
    if (last !== undefined && t <= last.to) last.to = Math.max(last.to, t + holdMs);
    else spans.push({ from: t, to: t + holdMs });
  }
  return spans;
}

function overlap(a: number, b: number, spans: readonly Span[]): number {
  let ms = 0;
  for (const s of spans) {
    const from = Math.max(a, s.from);
    const to = Math.min(b, s.to);
    if (to > from) ms += to - from;
  }
  return ms;
}

/**
 * Seconds per bucket of [from, to) for one place. `changes` are in time order; the first may lie before
 * `from` (the state the day began in).
 */
export function secondsOfDay(
  level: PlaceLevel,
  changes: readonly StatusChange[],
  observed: readonly Span[],
  from: number,
  to: number,
): BucketSeconds {
  const out = emptySeconds();
  let seen = 0;
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    if (change === undefined) continue;
    const a = Math.max(from, change.at);
    const b = Math.min(to, changes[i + 1]?.at ?? to);
    if (b <= a) continue;
    const ms = overlap(a, b, observed);
    const bucket = bucketOf(level, change.status);
    out[bucket] += ms / 1000;
    seen += ms;
  }
  out.no_data += (to - from - seen) / 1000;
  return out;
}

/** A day's verdict: met, not met, or not judged and why (the largest share of time not judged). */
export const DAY_VERDICTS = ['met', 'not_met', 'unverified', 'maintenance', 'no_data'] as const;
export type DayVerdict = (typeof DAY_VERDICTS)[number];

/**
 * A hamlet met the criterion on a day when covered for at least `share` of it; it did not when it was
 * known to be silent (uncovered, unserved, at risk) for more than the rest. Otherwise the day is not
 * judged, named after what kept it from being judged.
 */
export function hamletVerdict(s: BucketSeconds, share: number): DayVerdict {
  const day = SUMMARY_BUCKETS.reduce((n, b) => n + s[b], 0);
  if (day <= 0) return 'no_data';
  // A millisecond's rounding must not turn a whole covered day into a failure.
  const epsilon = 1e-6 * day;
  if (s.covered + epsilon >= share * day) return 'met';
  if (s.uncovered + s.at_risk > (1 - share) * day + epsilon) return 'not_met';
  return worstUnjudged([
    ['no_data', s.no_data],
    ['maintenance', s.maintenance],
    ['unverified', s.unverified],
  ]);
}

function worstUnjudged(parts: [DayVerdict, number][]): DayVerdict {
  let best: [DayVerdict, number] = ['no_data', -1];
  for (const p of parts) if (p[1] > best[1]) best = p;
  return best[0];
}

/**
 * A commune met the criterion on a day when the required share of its hamlets (`hamletShare`, every
 * hamlet by default) met it, and the commune itself (station, regularity) was not failing for more than
 * the day's allowance. A hamlet that failed, beyond what the share allows, fails the commune.
 */
export function communeVerdict(
  hamlets: readonly DayVerdict[],
  own: BucketSeconds,
  criterion: { dayCoveredShare: number; hamletShare: number },
): DayVerdict {
  const ownVerdict = hamletVerdict(own, criterion.dayCoveredShare);
  const need = Math.ceil(criterion.hamletShare * hamlets.length - 1e-9);
  const count = (v: DayVerdict) => hamlets.filter((h) => h === v).length;
  if (ownVerdict === 'not_met' || count('not_met') > hamlets.length - need) return 'not_met';
  if (count('met') >= need && ownVerdict === 'met') return 'met';
  for (const v of ['no_data', 'maintenance', 'unverified'] as const) {
    if (ownVerdict === v || hamlets.includes(v)) return v;
  }
  return 'not_met';
}

/**
 * Outages of one place within [from, to): runs of silent statuses, from the state changes; with `counts`,
 * runs of other buckets (the report's maintenance spans).
 */
export function outagesOf(
  level: PlaceLevel,
  changes: readonly StatusChange[],
  from: number,
  to: number,
  counts: (bucket: SummaryBucket) => boolean = isOutage,
): { from: number; to: number; status: string }[] {
  const out: { from: number; to: number; status: string }[] = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i];
    if (change === undefined || !counts(bucketOf(level, change.status))) continue;
    // Consecutive silent statuses (uncovered, then unserved) are one outage.
    let j = i + 1;
    while (j < changes.length && counts(bucketOf(level, changes[j]?.status ?? ''))) j++;
    const a = Math.max(from, change.at);
    const b = Math.min(to, changes[j]?.at ?? to);
    if (b > a) out.push({ from: a, to: b, status: change.status });
    i = j - 1;
  }
  return out;
}
