import { describe, expect, it } from 'vitest';
import {
  CATALOGUES,
  formatLocalTime,
  formatNumber,
  formatPercent,
  isLang,
  LANGS,
  messages,
  placeholders,
} from './index.js';

describe('the message catalogues', () => {
  it('every language has the same keys, with the same placeholders per key', () => {
    const [first, ...others] = LANGS;
    const reference = CATALOGUES[first];
    for (const lang of others) {
      const catalogue = CATALOGUES[lang];
      expect(Object.keys(catalogue).sort(), lang).toEqual(Object.keys(reference).sort());
      for (const [key, message] of Object.entries(reference)) {
        const other = (catalogue as Record<string, typeof message | undefined>)[key];
        expect(other, `${lang}: ${key}`).toBeDefined();
        if (other !== undefined)
          expect(placeholders(other), `${lang}: ${key}`).toEqual(placeholders(message));
      }
    }
  });

  it('no message is empty, and a plural pair counts with {n}', () => {
    for (const lang of LANGS) {
      for (const [key, message] of Object.entries(CATALOGUES[lang])) {
        const texts = typeof message === 'string' ? [message] : [message.one, message.other];
        for (const text of texts) expect(text.trim(), `${lang}: ${key}`).not.toBe('');
        if (typeof message !== 'string') expect(placeholders(message), `${lang}: ${key}`).toContain('n');
      }
    }
  });

  it('fills placeholders, formats numbers for the language, and picks the English plural by count', () => {
    const vi = messages('vi');
    const en = messages('en');
    expect(vi.t('count.devices', { n: 1892 })).toBe('1.892 thiết bị');
    expect(en.t('count.devices', { n: 1892 })).toBe('1,892 devices');
    expect(en.t('count.devices', { n: 1 })).toBe('1 device');
    expect(vi.t('up.database', { database: 'loa' })).toBe('(cơ sở dữ liệu "loa")');
  });

  it('knows its languages', () => {
    expect(LANGS).toEqual(['vi', 'en']);
    expect(isLang('vi')).toBe(true);
    expect(isLang('fr')).toBe(false);
    expect(isLang(undefined)).toBe(false);
  });
});

describe('formats', () => {
  it('writes numbers and percentages as Vietnamese statements do', () => {
    expect(formatNumber(1892, 'vi')).toBe('1.892');
    expect(formatNumber(1892, 'en')).toBe('1,892');
    expect(formatPercent((105 / 110) * 100, 'vi')).toBe('95,45%');
    expect(formatPercent((105 / 110) * 100, 'en')).toBe('95.45%');
    expect(formatPercent(100, 'vi', 0)).toBe('100%');
    expect(messages('vi').percent(66.666)).toBe('66,67%');
  });

  it("writes times in the province's zone, whatever the machine's", () => {
    // 2026-12-04T11:05:00Z is 18:05 in Vietnam (UTC+7 all year).
    const at = Date.UTC(2026, 11, 4, 11, 5);
    expect(formatLocalTime(at, 'Asia/Ho_Chi_Minh', 'vi')).toBe('04/12/2026 18:05');
    expect(formatLocalTime(at, 'Asia/Ho_Chi_Minh', 'en')).toBe('2026-12-04 18:05');
    // Past local midnight the date turns with it.
    expect(messages('vi').date(Date.UTC(2026, 11, 31, 17, 30), 'Asia/Ho_Chi_Minh')).toBe('01/01/2027');
  });
});
