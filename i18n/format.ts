import type { Lang } from './lang.js';

/**
 * Numbers, percentages and times as the reader writes them. Intl does the work (Node ships full ICU):
 * Vietnamese groups thousands with a dot and writes decimals with a comma (`1.892`, `95,45%`), English
 * the other way round (`1,892`, `95.45%`).
 */
const LOCALES: Record<Lang, string> = { vi: 'vi-VN', en: 'en-US' };

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(lang: Lang, decimals: number | undefined): Intl.NumberFormat {
  const key = `${lang}/${decimals ?? ''}`;
  let f = numberFormats.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(
      LOCALES[lang],
      decimals === undefined
        ? { maximumFractionDigits: 3 }
        : { minimumFractionDigits: decimals, maximumFractionDigits: decimals },
    );
    numberFormats.set(key, f);
  }
  return f;
}

/** `1.892` (vi), `1,892` (en); with `decimals`, exactly that many (`95,45`). */
export function formatNumber(value: number, lang: Lang, decimals?: number): string {
  return numberFormat(lang, decimals).format(value);
}

/**
 * A percentage of 0–100 as the yearly statement writes it: `95,45%` in Vietnamese, `95.45%` in English
 * (no space before the sign, as in the provinces' own statements). Two decimals unless told.
 */
export function formatPercent(value: number, lang: Lang, decimals = 2): string {
  return `${formatNumber(value, lang, decimals)}%`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string): Intl.DateTimeFormat {
  let f = timeFormats.get(timeZone);
  if (f === undefined) {
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
    timeFormats.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `timeZone` at `epochMs`, each part as written there (`month` 01–12, `hour` 00–23). */
export interface LocalClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/** Read from Intl, which knows every IANA zone: no time-zone database of our own. */
export function localClock(epochMs: number, timeZone: string): LocalClock {
  const parts: Record<string, string> = {};
  for (const p of timeFormat(timeZone).formatToParts(epochMs)) {
    if (p.type !== 'literal') parts[p.type] = p.value;
  }
  const get = (type: keyof LocalClock) => parts[type] ?? '';
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/**
 * A moment in the province's local time (its inventory `timezone`), to the minute: `04/12/2026 18:05`
 * in Vietnamese (day/month/year, as Vietnamese forms write dates), `2026-12-04 18:05` in English.
 */
export function formatLocalTime(epochMs: number, timeZone: string, lang: Lang): string {
  const p = localClock(epochMs, timeZone);
  const hm = `${p.hour}:${p.minute}`;
  return lang === 'vi' ? `${p.day}/${p.month}/${p.year} ${hm}` : `${p.year}-${p.month}-${p.day} ${hm}`;
}

/** A local date alone: `04/12/2026` (vi), `2026-12-04` (en). */
export function formatLocalDate(epochMs: number, timeZone: string, lang: Lang): string {
  const p = localClock(epochMs, timeZone);
  return lang === 'vi' ? `${p.day}/${p.month}/${p.year}` : `${p.year}-${p.month}-${p.day}`;
}
