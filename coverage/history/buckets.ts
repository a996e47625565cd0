/**
 * The one table from the engine's status strings (`HAMLET_STATUS`, `COMMUNE_STATUS`) to the buckets
 * of the daily summaries. Every reader and writer of the history goes through it, so a status added to
 * the engine is a one-line change here (a test checks that every status the engine exports has a bucket).
 */
export const SUMMARY_BUCKETS = [
  'covered',
  'at_risk',
  'uncovered',
  'unverified',
  'maintenance',
  'no_data',
] as const;
export type SummaryBucket = (typeof SUMMARY_BUCKETS)[number];

/**
 * Hamlet status → bucket. `unserved` (no cluster at all in the inventory) is a real gap and counts as
 * uncovered; `unmonitored` is the name `unverified` had before issue 12 and is kept so that history
 * written by older versions reads the same.
 */
const HAMLET_BUCKET: Readonly<Record<string, SummaryBucket>> = {
  covered: 'covered',
  at_risk: 'at_risk',
  uncovered: 'uncovered',
  unserved: 'uncovered',
  unverified: 'unverified',
  unmonitored: 'unverified',
  maintenance: 'maintenance',
};

/** Commune status → bucket: `meets` is the commune's covered time, `not_met` its uncovered time. */
const COMMUNE_BUCKET: Readonly<Record<string, SummaryBucket>> = {
  meets: 'covered',
  at_risk: 'at_risk',
  not_met: 'uncovered',
  unverified: 'unverified',
  maintenance: 'maintenance',
};

export type PlaceLevel = 'hamlet' | 'commune';

/** The bucket of a stored status; a status this version does not know counts as no data. */
export function bucketOf(level: PlaceLevel, status: string): SummaryBucket {
  return (level === 'hamlet' ? HAMLET_BUCKET : COMMUNE_BUCKET)[status] ?? 'no_data';
}

/** Buckets in which the place was known to be silent (an outage). */
export function isOutage(bucket: SummaryBucket): boolean {
  return bucket === 'uncovered' || bucket === 'at_risk';
}
