// Golden tests of the report people read (issue 13): the statement in the official form first, the
// failed and the unverified apart, in Vietnamese and English. The report object is written out by
// hand here (what periodReport reads from the summaries is tested in history.integration.test.ts).
import { describe, expect, it } from 'vitest';
import { messages } from '../i18n/index.js';
import { DEFAULT_CRITERION } from '../protocol/index.js';
import type { CommunePeriod, PeriodReport } from './report.js';
import { reportCsv, reportMarkdown, statementLines } from './report-text.js';

const HOUR = 3_600_000;
const from = Date.UTC(2026, 5, 1) - 7 * HOUR;
const to = Date.UTC(2026, 6, 1) - 7 * HOUR;

function commune(fields: Partial<CommunePeriod> & Pick<CommunePeriod, 'commune' | 'name'>): CommunePeriod {
  return {
    province: 'an-giang',
    provinceName: 'An Giang',
    unit: 'xa',
    applies: true,
    days: 30,
    daysElapsed: 30,
    daysToCome: 0,
    daysMet: 30,
    daysNotMet: 0,
    daysUnverified: 0,
    daysMaintenance: 0,
    daysNoData: 0,
    hamletSeconds: { covered: 0, at_risk: 0, uncovered: 0, unverified: 0, maintenance: 0, no_data: 0 },
    availabilityPct: 100,
    broadcastDays: 30,
    verdict: 'met',
    outages: [],
    hamlets: 3,
    hamletsMet: 3,
    station: '4g',
    clusters: { '4g': 3 },
    unverifiedHamlets: [],
    ...fields,
  };
}

/** A small province: three xã that met, failed, cannot be verified (FM), one under maintenance, a phường. */
function smallProvince(appliesTo: PeriodReport['criterion']['appliesTo'] = ['xa']): PeriodReport {
  const applies = (unit: CommunePeriod['unit']) => appliesTo.includes(unit);
  return {
    kind: 'month',
    period: '2026-06',
    timezone: 'Asia/Ho_Chi_Minh',
    from,
    to,
    asOf: to + HOUR,
    complete: true,
    criterion: { ...DEFAULT_CRITERION, appliesTo },
    communes: [
      commune({ commune: 'tan-lap', name: 'Xã Tân Lập', availabilityPct: 99.5 }),
      commune({
        commune: 'vinh-an',
        name: 'Xã Vĩnh An',
        daysMet: 20,
        daysNotMet: 10,
        availabilityPct: 93.456,
        verdict: 'not_met',
        hamletsMet: 2,
        clusters: { '4g': 2, ethernet: 1 },
        outages: [
          {
            hamlet: 'an-hoa',
            name: 'Ấp An Hòa',
            from: from + 8 * 86_400_000 + 2 * HOUR,
            to: from + 8 * 86_400_000 + 5 * HOUR + 10 * 60_000,
            ongoing: false,
            status: 'uncovered',
          },
          {
            hamlet: 'an-hoa',
            name: 'Ấp An Hòa',
            from: from + 20 * 86_400_000,
            to: from + 20 * 86_400_000 + 40_000,
            ongoing: false,
            status: 'unserved',
          },
        ],
      }),
      commune({
        commune: 'my-duc',
        name: 'Xã Mỹ Đức',
        daysMet: 0,
        daysUnverified: 30,
        verdict: 'unverified',
        hamletsMet: 2,
        clusters: { '4g': 2, fm: 1 },
        unverifiedHamlets: ['Ấp Mỹ Phú'],
      }),
      commune({
        commune: 'phu-hoa',
        name: 'Xã Phú Hòa',
        daysMet: 0,
        daysMaintenance: 30,
        availabilityPct: null,
        verdict: 'maintenance',
        hamlets: null,
        hamletsMet: null,
      }),
      commune({
        commune: 'long-xuyen',
        name: 'Phường Long Xuyên',
        unit: 'phuong',
        applies: applies('phuong'),
        station: null,
        clusters: { ethernet: 4 },
      }),
    ],
  };
}

describe('the statement', () => {
  it('reads in the official form, Vietnamese by default (golden)', async () => {
    await expect(reportMarkdown(smallProvince())).toMatchFileSnapshot('golden/report-month.vi.md');
  });

  it('reads in English with --lang en (golden)', async () => {
    await expect(reportMarkdown(smallProvince(), messages('en'))).toMatchFileSnapshot(
      'golden/report-month.en.md',
    );
  });

  it('counts phường apart when the criterion applies to them (golden)', async () => {
    await expect(reportMarkdown(smallProvince(['xa', 'phuong']))).toMatchFileSnapshot(
      'golden/report-month-wards.vi.md',
    );
  });

  it('never counts an unverified commune as met or failed', () => {
    const { statement, failed, unverified } = statementLines(smallProvince(), messages('vi'));
    expect(statement[0]).toBe(
      'Toàn tỉnh có 1/4 xã đạt tiêu chí «Xã có đài truyền thanh và hệ thống loa đến các thôn/ấp» (đạt tỷ lệ 25%).',
    );
    expect(statement[1]).toBe(
      'Còn lại: 1 xã không đạt, 1 xã chưa xác minh (chỉ có loa FM/hữu tuyến), 1 xã đang bảo trì.',
    );
    expect(failed.map((f) => f.split(':')[0])).toEqual(['Xã Vĩnh An', 'Xã Phú Hòa']);
    expect(unverified).toHaveLength(1);
    expect(unverified[0]).toContain('Xã Mỹ Đức: Ấp Mỹ Phú chỉ có loa FM/hữu tuyến');
  });

  it('writes the rate with a decimal comma and no decimals when whole', () => {
    const r = smallProvince();
    r.communes = r.communes.slice(0, 3);
    expect(statementLines(r, messages('vi')).statement[0]).toContain('1/3 xã đạt');
    expect(statementLines(r, messages('vi')).statement[0]).toContain('(đạt tỷ lệ 33,33%)');
    r.communes = r.communes.slice(0, 1);
    expect(statementLines(r, messages('vi')).statement[0]).toContain('(đạt tỷ lệ 100%)');
    expect(statementLines(r, messages('en')).statement[0]).toContain('1/1 commune meet');
  });

  it('keeps machine ids in the CSV', () => {
    const csv = reportCsv(smallProvince());
    expect(csv).toContain('an-giang,my-duc,Xã Mỹ Đức,xa,true');
    expect(csv).toContain(',unverified,');
  });
});
