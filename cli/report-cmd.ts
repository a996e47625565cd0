import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_TIMEZONE, loadInventory, type Inventory } from '../protocol/index.js';
import { ConfigError } from './config.js';
import { currentMessages } from './lang.js';
import { readRecord } from './record.js';
import { defaultDataDir } from './schema.js';

interface ReportFlags {
  month?: string;
  year?: string;
  at?: string;
  format?: string;
  out?: string;
  data: string;
  inventory?: string;
  timezone?: string;
  csv?: boolean;
  json?: boolean;
}

/** The running platform's InfluxDB and inventory, as `loa up --data DIR` recorded them. */
async function open(data: string, inventoryDir: string | undefined) {
  const { createInfluxQl } = await import('../influx/index.js');
  const record = await readRecord(data);
  const dir = inventoryDir ?? record.inventory;
  const inventory: Inventory | undefined = dir === undefined ? undefined : await loadInventory(dir);
  return {
    record,
    inventory,
    ql: createInfluxQl({ url: record.influx, database: record.database, ...record.influxAuth }),
  };
}

/** What `--format` may name; Markdown is the terminal's, CSV and JSON keep machine ids. */
export const REPORT_FORMATS = ['markdown', 'csv', 'json', 'xlsx', 'html'] as const;
/** Formats that are files, not terminal text: written to `--out` (default `bao-cao-PERIOD.EXT`). */
const FILE_FORMATS: readonly string[] = ['xlsx', 'html'];
type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The period and format the flags name, checked before anything is opened: a malformed or future
 * period, or an unknown format, is the user's to fix (one line, exit 2).
 */
export function reportRequest(o: ReportFlags, now = Date.now()) {
  const given = (['month', 'year', 'at'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1)
    throw new ConfigError('give one of --month YYYY-MM, --year YYYY or --at YYYY-MM-DD');
  const flag = given[0] ?? 'month';
  const kind: 'month' | 'year' | 'day' = flag === 'at' ? 'day' : flag;
  const period = o[flag] ?? '';
  const format = o.format ?? (o.json ? 'json' : o.csv ? 'csv' : 'markdown');
  if (!(REPORT_FORMATS as readonly string[]).includes(format))
    throw new ConfigError(`--format must be one of ${REPORT_FORMATS.join(', ')}, not "${format}"`);
  return { kind, period, format: format as ReportFormat, now };
}

/** The period's local start in `zone`, or a ConfigError naming the flag; a day not begun is refused. */
async function checkedPeriod(kind: 'month' | 'year' | 'day', period: string, zone: string, now: number) {
  const { periodRange, PeriodError } = await import('../coverage/index.js');
  try {
    const { from } = periodRange(kind, period, zone);
    if (kind === 'day' && from > now)
      throw new ConfigError(`--at ${period} is in the future (today is earlier in ${zone})`);
  } catch (e) {
    throw e instanceof PeriodError ? new ConfigError(e.message) : e;
  }
}

/**
 * `loa report --month YYYY-MM | --year YYYY | --at YYYY-MM-DD`: the statement in the official form,
 * then the criterion per commune over the period, from the daily summaries; `loa report rebuild --day
 * YYYY-MM-DD`: computes a past day's summaries again from the stored state changes (docs/bao-cao.md,
 * docs/coverage.md "History and reports").
 */
export function registerReport(program: Command): void {
  const report = program
    .command('report')
    .description(
      'the statement and the criterion per commune over a month, a year or a day (Markdown, CSV, JSON, XLSX or HTML), from the daily summaries',
    )
    .option('--month <YYYY-MM>', 'the month, e.g. 2026-06')
    .option('--year <YYYY>', 'the year, e.g. 2026')
    .option('--at <YYYY-MM-DD>', 'one local day: the state on that date')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default markdown)`)
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--inventory <dir>', 'inventory folder (names, unit types, criterion); default: the running one')
    .option('--timezone <zone>', "IANA zone of the local days (default: the province's)")
    .option('--out <file>', 'where an xlsx or html report is written (default bao-cao-PERIOD.xlsx|html)')
    .option('--csv', 'same as --format csv')
    .option('--json', 'same as --format json')
    .action(async (o: ReportFlags) => {
      const { kind, period, format, now } = reportRequest(o);
      // The province's zone is known once the inventory is read; Vietnam's until then.
      await checkedPeriod(kind, period, o.timezone ?? DEFAULT_TIMEZONE, now);
      const { periodReport, reportCsv, reportHtml, reportMap, reportMarkdown, reportXlsx } =
        await import('../coverage/index.js');
      const { ql, inventory } = await open(o.data, o.inventory);
      try {
        const zone = o.timezone ?? inventory?.provinces[0]?.timezone;
        if (zone !== undefined) await checkedPeriod(kind, period, zone, now);
        const r = await periodReport(ql, kind, period, {
          now,
          ...(zone !== undefined && { timezone: zone }),
          ...(inventory !== undefined && { inventory }),
        });
        if (FILE_FORMATS.includes(format)) {
          const out = o.out ?? `bao-cao-${period}.${format}`;
          const m = currentMessages();
          await writeFile(
            out,
            format === 'xlsx'
              ? await reportXlsx(r, m)
              : reportHtml(r, m, inventory === undefined ? undefined : reportMap(inventory)),
          );
          process.stdout.write(`${out}\n`);
          return;
        }
        process.stdout.write(
          format === 'json'
            ? `${JSON.stringify(r, null, 2)}\n`
            : format === 'csv'
              ? reportCsv(r)
              : reportMarkdown(r, currentMessages()),
        );
      } finally {
        ql.close();
      }
    });

  report
    .command('rebuild')
    .description("computes a past local day's daily summaries again from the stored state changes")
    .requiredOption('--day <YYYY-MM-DD>', 'the local day, e.g. 2026-06-14')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--inventory <dir>', 'inventory folder; default: the running one')
    .action(async (o: { day: string; data: string; inventory?: string }) => {
      const { rebuildDay } = await import('../coverage/index.js');
      const { createV1Writer, LONG_RETENTION_POLICY } = await import('../influx/index.js');
      const { ql, inventory, record } = await open(o.data, o.inventory);
      try {
        if (inventory === undefined)
          throw new Error(`the run record in ${o.data} names no inventory: pass --inventory DIR`);
        const writer = createV1Writer({
          url: record.influx,
          database: record.database,
          retentionPolicy: LONG_RETENTION_POLICY,
          timeoutMs: 60_000,
          gzip: false,
        });
        const summaries = await rebuildDay(ql, (lines) => writer.write(lines), inventory, o.day);
        for (const s of summaries) {
          const met = s.communes.filter((c) => c.verdict === 'met').length;
          process.stdout.write(
            `${s.day}: ${s.communes.length} communes, ${s.hamlets.length} hamlets summarized (${met} communes met the criterion that day)\n`,
          );
        }
      } finally {
        ql.close();
      }
    });
}
