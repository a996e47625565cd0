import { localDay, type CoverageModel } from '../model.js';

/**
 * When the engine writes what (issue 12): every place's state when it starts and again at each local
 * midnight (the state each day begins in, so a day can be summarized from that day's points alone),
 * otherwise only changes; and each province's counts every `provinceEveryMs`, which also tells the
 * history when the engine was running (a gap in them is "no data").
 */
export function snapshotClock(model: CoverageModel, provinceEveryMs: number, fullEveryMs = Infinity) {
  // Vietnam has one time zone; a multi-zone inventory takes its first province's midnight.
  const offset = model.provinces[0]?.utcOffsetMs ?? 0;
  let lastFull = -1;
  let lastFullAt = -Infinity;
  let lastProvinces = -Infinity;
  return {
    /** Whether every place is written now (and marks it done). */
    full(t: number): boolean {
      const day = localDay(t, offset);
      if (day === lastFull && t - lastFullAt < fullEveryMs) return false;
      lastFull = day;
      lastFullAt = t;
      lastProvinces = t;
      return true;
    },
    /** Whether the provinces' counts are due now (and marks them done). */
    provinces(t: number): boolean {
      if (t - lastProvinces < provinceEveryMs) return false;
      lastProvinces = t;
      return true;
    },
  };
}
