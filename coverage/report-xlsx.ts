import ExcelJS from 'exceljs';
import { localClock, type Messages } from '../i18n/index.js';
import type { PeriodReport } from './report.js';
import {
  clustersText,
  outageCause,
  outageKind,
  outageRows,
  outageMs,
  reportTitle,
  statementLines,
  stationText,
  unitLabel,
  verdictText,
} from './report-text.js';

/**
 * The report as a workbook a department pastes into its own template: a sheet with the statement and
 * the per-commune table, one with the outages. Cells are typed (counts and shares as numbers, times as
 * dates), headers in the reader's language, columns wide enough to read.
 */

/** Excel dates carry no zone: the province's wall clock is written as the date's own fields. */
function localDate(epochMs: number, timeZone: string): Date {
  const c = localClock(epochMs, timeZone);
  return new Date(Date.UTC(+c.year, +c.month - 1, +c.day, +c.hour, +c.minute, +c.second));
}

const DATE_FORMAT = 'dd/mm/yyyy hh:mm';

export const COMMUNE_COLUMNS = [
  ['province', 14],
  ['unit', 28],
  ['daysMet', 10],
  ['daysNotMet', 12],
  ['daysUnverified', 14],
  ['daysMaintenance', 12],
  ['daysNoData', 14],
  ['availability', 16],
  ['broadcastDays', 14],
  ['outages', 9],
  ['outageMinutes', 14],
  ['verdict', 30],
  ['hamlets', 10],
  ['station', 12],
  ['clusters', 22],
] as const;

export async function reportXlsx(r: PeriodReport, m: Messages): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Loa';
  const sheet = book.addWorksheet(m.t('report.sheet.statement'));
  sheet.columns = COMMUNE_COLUMNS.map(([, width]) => ({ width }));
  const { statement, failed, unverified } = statementLines(r, m);
  sheet.addRow([reportTitle(r, m)]).font = { bold: true, size: 14 };
  for (const line of statement) sheet.addRow([line]).font = { bold: true };
  if (failed.length > 0) {
    sheet.addRow([m.t('report.failed.title')]).font = { bold: true };
    for (const line of failed) sheet.addRow([line]);
  }
  if (unverified.length > 0) {
    sheet.addRow([m.t('report.unverified.title')]).font = { bold: true };
    for (const line of unverified) sheet.addRow([line]);
  }
  sheet.addRow([]);
  const header = sheet.addRow(COMMUNE_COLUMNS.map(([key]) => m.t(`report.col.${key}`)));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle' };
  const withOutages = r.kind !== 'year';
  for (const c of r.communes) {
    const row = sheet.addRow([
      c.provinceName,
      unitLabel(c, m),
      c.daysMet,
      c.daysNotMet,
      c.daysUnverified,
      c.daysMaintenance,
      c.daysNoData,
      // A share, shown as a percentage by the cell's format: 0.9346 → 93,46% in a Vietnamese Excel.
      c.availabilityPct === null ? null : c.availabilityPct / 100,
      c.broadcastDays,
      withOutages ? c.outages.length : null,
      withOutages ? Math.round(outageMs(c) / 60_000) : null,
      verdictText(c, m),
      c.hamlets === null ? null : `${c.hamletsMet ?? 0}/${c.hamlets}`,
      stationText(c, m),
      clustersText(c, m),
    ]);
    row.getCell(8).numFmt = '0.00%';
  }

  const outages = book.addWorksheet(m.t('report.sheet.outages'));
  outages.columns = (
    [
      ['commune', 24],
      ['hamlet', 24],
      ['kind', 24],
      ['from', 18],
      ['to', 18],
      ['outageMinutes', 16],
      ['cause', 28],
    ] as const
  ).map(([key, width]) => ({ header: m.t(`report.col.${key}`), width }));
  outages.getRow(1).font = { bold: true };
  for (const c of r.communes) {
    for (const o of outageRows(c)) {
      const row = outages.addRow([
        c.name,
        o.name,
        outageKind(o.status, m),
        localDate(o.from, r.timezone),
        o.ongoing ? m.t('report.ongoing') : localDate(o.to, r.timezone),
        Math.round((o.to - o.from) / 600) / 100,
        outageCause(o, m),
      ]);
      row.getCell(4).numFmt = DATE_FORMAT;
      row.getCell(5).numFmt = DATE_FORMAT;
    }
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
