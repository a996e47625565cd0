// Golden tests of the report people read (issue 13): the statement in the official form first, the
// failed and the unverified apart, in Vietnamese and English. The report object is written out by
// hand here (what periodReport reads from the summaries is tested in history.integration.test.ts).
import { describe, expect, it } from 'vitest';
import { messages } from '../i18n/index.js';
import { smallProvince } from '../test/fixtures/report.js';
import { reportCsv, reportMarkdown, statementLines } from './report-text.js';

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
