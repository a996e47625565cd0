import { localClock } from '../i18n/index.js';
import type { ScheduleWindow } from '../protocol/index.js';

/**
 * Broadcast windows are written in local time (inventory `schedule`); devices stamp UTC milliseconds.
 * This turns one into the other for a province's IANA time zone, with the wall clock `i18n/` reads
 * from Intl.
 */
export interface LocalDay {
  /** `YYYYMMDD` in local time. */
  date: string;
  /** Epoch milliseconds of local midnight that day. */
  midnight: number;
}

/** The local day containing `epochMs`. Assumes no DST change that day (Vietnam has none). */
export function localDay(epochMs: number, timeZone: string): LocalDay {
  const clock = localClock(epochMs, timeZone);
  const [y, mo, d, h, mi, s] = (['year', 'month', 'day', 'hour', 'minute', 'second'] as const).map((k) =>
    Number(clock[k]),
  ) as [number, number, number, number, number, number];
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  const offset = Date.UTC(y, mo - 1, d, h, mi, s) - wholeSecond;
  return {
    date: `${clock.year}${clock.month}${clock.day}`,
    midnight: Date.UTC(y, mo - 1, d) - offset,
  };
}

export interface WindowOccurrence {
  window: ScheduleWindow;
  /** Index of the window in the schedule. */
  index: number;
  /** Stable name of this occurrence: `YYYYMMDD-HHMM` local. */
  key: string;
  start: number;
  end: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The newest occurrence of any window that has ended by `now` (today's or yesterday's). */
export function latestEndedWindow(
  schedule: readonly ScheduleWindow[],
  now: number,
  timeZone: string,
): WindowOccurrence | undefined {
  const today = localDay(now, timeZone);
  const yesterday = localDay(today.midnight - DAY_MS / 2, timeZone);
  let best: WindowOccurrence | undefined;
  for (const day of [yesterday, today]) {
    schedule.forEach((window, index) => {
      const start = day.midnight + window.startMin * 60_000;
      const end = day.midnight + window.endMin * 60_000;
      if (end <= now && (best === undefined || end > best.end)) {
        best = { window, index, key: `${day.date}-${window.text.slice(0, 5).replace(':', '')}`, start, end };
      }
    });
  }
  return best;
}

/** Whether `now` falls inside one of the windows, local time. */
export function inWindow(schedule: readonly ScheduleWindow[], now: number, timeZone: string): boolean {
  const day = localDay(now, timeZone);
  const minute = (now - day.midnight) / 60_000;
  return schedule.some((w) => minute >= w.startMin && minute < w.endMin);
}
