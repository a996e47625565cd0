import { placeholders, type Message } from './catalogue.js';
import { en } from './en.js';
import { formatLocalDate, formatLocalTime, formatNumber, formatPercent } from './format.js';
import type { Lang } from './lang.js';
import { vi, type MessageKey } from './vi.js';

export const CATALOGUES: Record<Lang, Record<MessageKey, Message>> = { vi, en };

export type Params = Readonly<Record<string, string | number>>;

/** What a human-facing output needs: its language's messages and its number and time formats. */
export interface Messages {
  readonly lang: Lang;
  /** The message `key` with its `{placeholders}` filled; numbers are formatted for the language. */
  t(key: MessageKey, params?: Params): string;
  number(value: number, decimals?: number): string;
  percent(value: number, decimals?: number): string;
  /** Local date and time (minutes) in `timeZone`, the province's inventory `timezone`. */
  time(epochMs: number, timeZone: string): string;
  date(epochMs: number, timeZone: string): string;
  /** A span of time as people say it: `2 giờ 5 phút`, `40 giây` (never "0 phút"). */
  duration(ms: number): string;
}

const cache = new Map<Lang, Messages>();

export function messages(lang: Lang): Messages {
  let m = cache.get(lang);
  if (m === undefined) {
    m = create(lang);
    cache.set(lang, m);
  }
  return m;
}

function create(lang: Lang): Messages {
  const catalogue = CATALOGUES[lang];
  const plural = new Intl.PluralRules(lang);
  const show = (v: string | number) => (typeof v === 'number' ? formatNumber(v, lang) : v);
  const m: Messages = {
    lang,
    t(key, params = {}) {
      const message = catalogue[key];
      const n = params.n;
      const text =
        typeof message === 'string'
          ? message
          : typeof n === 'number' && plural.select(n) === 'one'
            ? message.one
            : message.other;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const v = params[name];
        // A missing value is a bug in the caller; showing the placeholder makes it visible, not fatal.
        return v === undefined ? whole : show(v);
      });
    },
    number: (value, decimals) => formatNumber(value, lang, decimals),
    percent: (value, decimals) => formatPercent(value, lang, decimals),
    time: (epochMs, timeZone) => formatLocalTime(epochMs, timeZone, lang),
    date: (epochMs, timeZone) => formatLocalDate(epochMs, timeZone, lang),
    duration(ms) {
      // Shorter than a minute is said in seconds, not as "0 phút".
      if (ms > 0 && ms < 59_500) return m.t('duration.seconds', { n: Math.max(1, Math.round(ms / 1000)) });
      const total = Math.round(ms / 60_000);
      const h = Math.floor(total / 60);
      return h > 0 ? m.t('duration.hours', { h, m: total % 60 }) : m.t('duration.minutes', { n: total });
    },
  };
  return m;
}

export { placeholders };
