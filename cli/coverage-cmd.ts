import type { Command } from 'commander';
import {
  COMMUNE_STATUS,
  HAMLET_STATUS,
  STATION_STATUS,
  type BulletinDelivery,
  type CommuneCoverageRow,
  type CommuneStatus,
  type HamletCoverageRow,
} from '../coverage/index.js';
import { messages, type MessageKey, type Messages } from '../i18n/index.js';
import { DEFAULT_TIMEZONE, loadInventory } from '../protocol/index.js';
import { registerCoverageRun } from './coverage-run-register.js';
import { currentMessages } from './lang.js';
import { formatMaintenance, inventoryOf } from './maintenance-cmd.js';
import { readRecord } from './record.js';
import { defaultDataDir } from './schema.js';

/** `loa coverage`: the criterion live, as the running engine last wrote it to InfluxDB (docs/design.md#commands). */
export function registerCoverage(program: Command): void {
  const coverage = program
    .command('coverage')
    .description('the criterion now: every commune of the province, or the hamlets of one commune')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--commune <id>', 'the hamlets of this commune')
    .option('--json', 'JSON for machines')
    .option('--csv', 'CSV for spreadsheets')
    .action(async (o: { data: string; commune?: string; json?: boolean; csv?: boolean }) => {
      const { readCommuneCoverage, readHamletCoverage } = await import('../coverage/index.js');
      const { createInfluxQl } = await import('../influx/index.js');
      const record = await readRecord(o.data);
      const ql = createInfluxQl({ url: record.influx, database: record.database, ...record.influxAuth });
      try {
        const format = o.json ? 'json' : o.csv ? 'csv' : 'table';
        const m = currentMessages();
        const inventory = format === 'table' ? await inventoryOf(record.inventory) : undefined;
        // The province's zone, from the inventory the running `loa up` recorded (else Vietnam's).
        const zone = inventory?.provinces[0]?.timezone ?? DEFAULT_TIMEZONE;
        if (o.commune !== undefined) {
          const hamlets = await readHamletCoverage(ql, o.commune);
          if (hamlets.length === 0) throw new Error(`no recent coverage for commune "${o.commune}"`);
          process.stdout.write(formatHamlets(hamlets, format, m, zone));
        } else {
          const communes = await readCommuneCoverage(ql);
          if (communes.length === 0)
            throw new Error('no coverage written in the last day: is `loa up` running?');
          process.stdout.write(formatCommunes(communes, format, m, zone));
          if (format === 'table') {
            // The maintenance windows in force: what holds alerts back right now.
            const { readMaintenance, windowEnd } = await import('../coverage/index.js');
            const now = Date.now();
            const windows = (await readMaintenance(ql, { now })).filter((w) => windowEnd(w) > now);
            if (windows.length > 0) process.stdout.write(`\n${formatMaintenance(windows, m, inventory)}`);
          }
        }
      } finally {
        ql.close();
      }
    });

  coverage
    .command('bulletin <id>')
    .description(
      'an emergency (or any) bulletin: per commune, the clusters that played it and those that did not',
    )
    // No default of its own: `loa coverage --data X bulletin ID` gives --data to the parent, and
    // commander would otherwise hide it behind this command's default (issue #14, point 11).
    .option('--data <dir>', 'data folder of the running `loa up` (default: the one given to `loa coverage`)')
    .option('--inventory <dir>', 'inventory folder (default: the one `loa up` recorded)')
    .option('--json', 'JSON for machines')
    .action(async (id: string, o: { data?: string; inventory?: string; json?: boolean }) => {
      const { readBulletin } = await import('../coverage/index.js');
      const { createInfluxQl } = await import('../influx/index.js');
      const record = await readRecord(o.data ?? coverage.opts<{ data: string }>().data);
      const dir = o.inventory ?? record.inventory;
      if (dir === undefined) throw new Error('no inventory recorded: pass --inventory DIR');
      const inventory = await loadInventory(dir);
      const ql = createInfluxQl({ url: record.influx, database: record.database, ...record.influxAuth });
      try {
        const deliveries = await readBulletin(ql, inventory, id);
        if (deliveries.length === 0) throw new Error(`no cluster logged bulletin "${id}"`);
        process.stdout.write(
          o.json
            ? `${JSON.stringify(deliveries, null, 2)}\n`
            : formatBulletin(id, deliveries, currentMessages(), inventory.provinces[0]?.timezone),
        );
      } finally {
        ql.close();
      }
    });

  registerCoverageRun(coverage);
}

export function formatBulletin(
  id: string,
  deliveries: readonly BulletinDelivery[],
  m: Messages = messages('vi'),
  zone = DEFAULT_TIMEZONE,
): string {
  const lines = [m.t('coverage.bulletin.title', { id })];
  const [played, missing, unknown] = (['played', 'missing', 'unknown'] as const).map((k) =>
    m.t(`coverage.bulletin.${k}`),
  );
  const width = Math.max(played?.length ?? 0, missing?.length ?? 0, unknown?.length ?? 0);
  const label = (text = '') => `  ${text.padEnd(width)}  `;
  for (const d of deliveries) {
    lines.push(
      '',
      m.t('coverage.bulletin.commune', {
        name: d.name,
        province: d.province,
        commune: d.commune,
        played: d.played.length,
        missing: d.missing.length,
      }),
      ...d.played.map((p) => `${label(played)}${p.device}  ${p.status}  ${m.time(p.start, zone)}`),
      ...d.missing.map((x) => `${label(missing)}${x}`),
      ...d.unmonitored.map((x) => `${label(unknown)}${x} ${m.t('coverage.bulletin.cannotReport')}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

type Format = 'json' | 'csv' | 'table';

/** For machines (CSV): UTC, as ISO; for people, the province's local time (`m.time`). */
const utc = (ms: number) => (ms > 0 ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '');

/** A commune's live status in words: the verdict of a period is the report's. */
export function communeStatusText(r: CommuneCoverageRow, m: Messages = messages('vi')): string {
  const known = (COMMUNE_STATUS as readonly string[]).includes(r.status);
  const text = !r.assessed
    ? m.t('coverage.commune.notAssessed')
    : known
      ? m.t(`coverage.commune.${r.status as CommuneStatus}`)
      : r.status;
  return r.maintenance ? m.t('coverage.commune.maintenance', { status: text }) : text;
}

function stationText(station: string, m: Messages): string {
  return (STATION_STATUS as readonly string[]).includes(station)
    ? m.t(`coverage.station.${station as (typeof STATION_STATUS)[number]}`)
    : station;
}

/** A column of a `loa coverage` table: its catalogue key (`coverage.col.*`) and its CSV name. */
type ColumnKey<K = MessageKey> = K extends `coverage.col.${infer C}` ? C : never;
type Column = readonly [ColumnKey, string];

/** The header row: the CSV's stable column names (spreadsheets, scripts), or the reader's words. */
function headerOf(columns: readonly Column[], csv: boolean, m: Messages): string[] {
  return columns.map(([key, column]) => (csv ? column : m.t(`coverage.col.${key}`)));
}

/** `since`: UTC for machines (CSV), the province's local time for people. */
function sinceCell(ms: number, csv: boolean, m: Messages, zone: string): string {
  return csv ? utc(ms) : ms > 0 ? m.time(ms, zone) : '';
}

/** Column names of the CSV: stable, for spreadsheets and scripts; the table's are the reader's. */
const COMMUNE_COLUMNS = [
  ['province', 'province'],
  ['commune', 'commune'],
  ['name', 'name'],
  ['hamletsCovered', 'hamlets covered'],
  ['station', 'station'],
  ['regular', 'operating regularly'],
  ['criterion', 'criterion'],
  ['since', 'since'],
] as const;

export function formatCommunes(
  rows: readonly CommuneCoverageRow[],
  format: Format,
  m: Messages = messages('vi'),
  zone = DEFAULT_TIMEZONE,
): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const csv = format === 'csv';
  const header = headerOf(COMMUNE_COLUMNS, csv, m);
  const cells = rows.map((r) => [
    r.province,
    r.commune,
    r.name,
    `${r.covered}/${r.hamlets}`,
    csv ? r.station : stationText(r.station, m),
    `${r.regular}/${r.hamlets}`,
    csv ? (r.assessed ? r.status : 'not_assessed') : communeStatusText(r, m),
    sinceCell(r.since, csv, m, zone),
  ]);
  if (csv) return toCsv(header, cells);
  const assessed = rows.filter((r) => r.assessed);
  const summary = m.t('coverage.summary', {
    meets: assessed.filter((r) => r.status === 'meets').length,
    assessed: assessed.length,
    atRisk: assessed.filter((r) => r.status === 'at_risk' || r.status === 'not_met').length,
    covered: rows.reduce((n, r) => n + r.covered, 0),
    hamlets: rows.reduce((n, r) => n + r.hamlets, 0),
  });
  return `${toTable(header, cells)}\n${summary}\n`;
}

/** Whether a hamlet operates regularly, in words: judged or not yet, and FM/wired ones cannot tell. */
export function regularText(r: HamletCoverageRow, m: Messages = messages('vi')): string {
  if (r.clusters - r.clustersUnmonitored === 0) return m.t('coverage.regular.unverifiable');
  if (!r.regularityJudged) return m.t('coverage.regular.notJudged');
  return m.t(r.regular ? 'coverage.regular.yes' : 'coverage.regular.no');
}

const HAMLET_COLUMNS = [
  ['hamlet', 'hamlet'],
  ['name', 'name'],
  ['status', 'status'],
  ['clustersUp', 'clusters up'],
  ['fmWired', 'fm/wired clusters'],
  ['broadcastDays', 'broadcast days (8)'],
  ['regular', 'operating regularly'],
  ['since', 'since'],
] as const;

export function formatHamlets(
  rows: readonly HamletCoverageRow[],
  format: Format,
  m: Messages = messages('vi'),
  zone = DEFAULT_TIMEZONE,
): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const csv = format === 'csv';
  const header = headerOf(HAMLET_COLUMNS, csv, m);
  const cells = rows.map((r) => [
    r.hamlet,
    r.name,
    csv || !(HAMLET_STATUS as readonly string[]).includes(r.status)
      ? r.status
      : m.t(`coverage.hamlet.${r.status as (typeof HAMLET_STATUS)[number]}`),
    // Only clusters that can report can be up: FM and wired ones are counted apart.
    `${r.clustersUp}/${r.clusters - r.clustersUnmonitored}`,
    String(r.clustersUnmonitored),
    String(r.broadcastDays),
    csv
      ? r.clusters === r.clustersUnmonitored
        ? 'unverifiable'
        : !r.regularityJudged
          ? 'not_judged'
          : r.regular
            ? 'yes'
            : 'no'
      : regularText(r, m),
    sinceCell(r.since, csv, m, zone),
  ]);
  return csv ? toCsv(header, cells) : toTable(header, cells);
}

function toCsv(header: readonly string[], cells: readonly string[][]): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...cells].map((row) => row.map(q).join(',')).join('\n') + '\n';
}

function toTable(header: readonly string[], cells: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}
