/** Coverage history (issue 12): state changes, daily summaries per hamlet and commune, their rebuild. */
export { bucketOf, SUMMARY_BUCKETS, type SummaryBucket } from './buckets.js';
export {
  communeVerdict,
  hamletVerdict,
  outagesOf,
  secondsOfDay,
  type BucketSeconds,
  type DayVerdict,
  type StatusChange,
} from './day.js';
export { rebuildDay, readDayHistory } from './rebuild.js';
export { localDayRange, summarizeDay, summaryLines, type DaySummary } from './summary.js';
export { snapshotClock } from './snapshots.js';
export { createDayCloser, type DayCloserOptions } from './day-closer.js';
export { replayDays, type DarkSpan } from './replay.js';
