import type { ScheduleWindow } from '../protocol/index.js';

/**
 * Broadcast windows are written in local time (inventory `schedule`); devices stamp UTC milliseconds.
 * This turns one into the other for a province's IANA time zone without a time-zone library.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalDay {
  /** `YYYYMMDD` in local time. */
  date: string;
  /** Epoch milliseconds of local midnight that day. */
  midnight: number;
}

/** The local day containing `epochMs`. Assumes no DST change that day (Vietnam has none). */
export function localDay(epochMs: number, timeZone: string): LocalDay {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const [y, mo, d, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map(
    (k) => parts[k] ?? 0,
  ) as [number, number, number, number, number, number];
  const wholeSecond = epochMs - (((epochMs % 1000) + 1000) % 1000);
  const offset = Date.UTC(y, mo - 1, d, h, mi, s) - wholeSecond;
  return {
    date: `${y}${String(mo).padStart(2, '0')}${String(d).padStart(2, '0')}`,
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
