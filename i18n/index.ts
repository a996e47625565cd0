/**
 * What Loa says to people, in their language (CONTRIBUTING.md#what-people-read): one message catalogue per language
 * (`vi.ts`, the default, and `en.ts`), and the number, percentage and local-time formats of each.
 * Imports nothing of the other folders, so every folder that renders text for people may import it;
 * machine output (JSON, CSV columns, metrics, log fields) never goes through it.
 */
export { DEFAULT_LANG, isLang, LANGS, type Lang } from './lang.js';
export {
  formatLocalDate,
  formatLocalTime,
  formatNumber,
  formatPercent,
  localClock,
  type LocalClock,
} from './format.js';
export { CATALOGUES, messages, placeholders, type Messages, type Params } from './messages.js';
export type { Message } from './catalogue.js';
export type { MessageKey } from './vi.js';
