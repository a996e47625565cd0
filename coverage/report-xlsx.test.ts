// The XLSX report read back with the library that wrote it: typed cells (numbers, dates), Vietnamese
// headers, the statement first, a sheet of outages.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { messages } from '../i18n/index.js';
import { smallProvince } from '../test/fixtures/report.js';
import { reportXlsx } from './report-xlsx.js';

async function read(buffer: Buffer) {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(buffer as unknown as ArrayBuffer);
  return book;
}

describe('the XLSX report', () => {
  it('has the statement, then the per-commune table with typed cells', async () => {
    const book = await read(await reportXlsx(smallProvince(), messages('vi')));
    const sheet = book.getWorksheet('Báo cáo');
    expect(sheet).toBeDefined();
    if (sheet === undefined) return;
    expect(sheet.getCell('A2').value).toBe(
      'Toàn tỉnh có 1/4 xã đạt tiêu chí «Xã có đài truyền thanh và hệ thống loa đến các thôn/ấp» (đạt tỷ lệ 25%).',
    );
    let headerRow = 0;
    sheet.eachRow((row, n) => {
      if (row.getCell(1).value === 'Tỉnh') headerRow = n;
    });
    expect(headerRow).toBeGreaterThan(2);
    expect(sheet.getRow(headerRow).getCell(8).value).toBe('Tỷ lệ thời gian ấp có loa');
    const vinhAn = sheet.getRow(headerRow + 2);
    expect(vinhAn.getCell(2).value).toBe('Xã Vĩnh An');
    expect(vinhAn.getCell(3).type).toBe(ExcelJS.ValueType.Number);
    expect(vinhAn.getCell(3).value).toBe(20);
    expect(vinhAn.getCell(8).type).toBe(ExcelJS.ValueType.Number);
    expect(vinhAn.getCell(8).value).toBeCloseTo(0.93456, 5);
    expect(vinhAn.getCell(8).numFmt).toBe('0.00%');
    expect(vinhAn.getCell(11).value).toBe(191);
    expect(vinhAn.getCell(12).value).toBe('Không đạt');
    expect(sheet.getColumn(2).width).toBe(28);
  });

  it('lists the outages with local times as dates', async () => {
    const book = await read(await reportXlsx(smallProvince(), messages('vi')));
    const sheet = book.getWorksheet('Sự cố');
    expect(sheet?.getRow(1).values).toEqual([
      undefined,
      'Xã',
      'Ấp',
      'Loại',
      'Từ',
      'Đến',
      'Thời lượng (phút)',
      'Nguyên nhân có thể',
    ]);
    const first = sheet?.getRow(2);
    expect(first?.getCell(2).value).toBe('Ấp An Hòa');
    expect(first?.getCell(4).type).toBe(ExcelJS.ValueType.Date);
    // 09/06/2026 02:00 in the province (UTC+7), as Excel shows it.
    expect(first?.getCell(4).value).toEqual(new Date(Date.UTC(2026, 5, 9, 2, 0)));
    expect(first?.getCell(4).numFmt).toBe('dd/mm/yyyy hh:mm');
    expect(first?.getCell(6).value).toBe(190);
    expect(first?.getCell(7).value).toBe('mất điện');
  });

  it('in English with --lang en', async () => {
    const book = await read(await reportXlsx(smallProvince(), messages('en')));
    expect(book.worksheets.map((s) => s.name)).toEqual(['Report', 'Outages']);
  });
});
