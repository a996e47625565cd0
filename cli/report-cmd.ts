import type { Command } from 'commander';
import { loadInventory, type Inventory } from '../protocol/index.js';
import { readRecord } from './record.js';
import { defaultDataDir } from './schema.js';

interface ReportFlags {
  month?: string;
  year?: string;
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
  return { record, inventory, ql: createInfluxQl({ url: record.influx, database: record.database }) };
}

/**
 * `loa report --month YYYY-MM | --year YYYY`: the criterion per commune over a period, from the daily
 * summaries; `loa report rebuild --day YYYY-MM-DD`: computes a past day's summaries again from the
 * stored state changes (docs/coverage.md, "History and reports").
 */
export function registerReport(program: Command): void {
  const report = program
    .command('report')
    .description(
      'the criterion per commune over a month or a year (Markdown, CSV or JSON), from the daily summaries',
    )
    .option('--month <YYYY-MM>', 'the month, e.g. 2026-06')
    .option('--year <YYYY>', 'the year, e.g. 2026')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--inventory <dir>', 'inventory folder (names, unit types, criterion); default: the running one')
    .option('--timezone <zone>', "IANA zone of the local days (default: the province's)")
    .option('--csv', 'CSV instead of Markdown')
    .option('--json', 'the report object as JSON')
    .action(async (o: ReportFlags) => {
      if ((o.month === undefined) === (o.year === undefined)) {
        throw new Error('loa report: give either --month YYYY-MM or --year YYYY');
      }
      const { periodReport, reportCsv, reportMarkdown } = await import('../coverage/index.js');
      const { ql, inventory } = await open(o.data, o.inventory);
      try {
        const kind = o.month !== undefined ? 'month' : 'year';
        const r = await periodReport(ql, kind, o.month ?? o.year ?? '', {
          ...(o.timezone !== undefined && { timezone: o.timezone }),
          ...(inventory !== undefined && { inventory }),
        });
        process.stdout.write(
          o.json ? `${JSON.stringify(r, null, 2)}\n` : o.csv ? reportCsv(r) : reportMarkdown(r),
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
