/** The languages Loa writes for people. Vietnamese first: its readers are Vietnamese (CONTRIBUTING.md#what-people-read). */
export const LANGS = ['vi', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'vi';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}
