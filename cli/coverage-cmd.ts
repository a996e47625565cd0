import type { Command } from 'commander';
import type { BulletinDelivery, CommuneCoverageRow, HamletCoverageRow } from '../coverage/index.js';
import { loadInventory } from '../protocol/index.js';
import { registerCoverageRun } from './coverage-run-register.js';
import { formatMaintenance } from './maintenance-cmd.js';
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
        if (o.commune !== undefined) {
          const hamlets = await readHamletCoverage(ql, o.commune);
          if (hamlets.length === 0) throw new Error(`no recent coverage for commune "${o.commune}"`);
          process.stdout.write(formatHamlets(hamlets, format));
        } else {
          const communes = await readCommuneCoverage(ql);
          if (communes.length === 0)
            throw new Error('no coverage written in the last day: is `loa up` running?');
          process.stdout.write(formatCommunes(communes, format));
          if (format === 'table') {
            // The maintenance windows in force: what holds alerts back right now.
            const { readMaintenance, windowEnd } = await import('../coverage/index.js');
            const now = Date.now();
            const windows = (await readMaintenance(ql, { now })).filter((w) => windowEnd(w) > now);
            if (windows.length > 0) process.stdout.write(`\n${formatMaintenance(windows)}`);
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
          o.json ? `${JSON.stringify(deliveries, null, 2)}\n` : formatBulletin(id, deliveries),
        );
      } finally {
        ql.close();
      }
    });

  registerCoverageRun(coverage);
}

export function formatBulletin(id: string, deliveries: readonly BulletinDelivery[]): string {
  const lines = [`Bulletin ${id}`];
  for (const d of deliveries) {
    lines.push(
      '',
      `${d.name} (${d.province}/${d.commune}): played by ${d.played.length}, not by ${d.missing.length}`,
      ...d.played.map((p) => `  played      ${p.device}  ${p.status}  ${time(p.start)}`),
      ...d.missing.map((m) => `  NOT PLAYED  ${m}`),
      ...d.unmonitored.map((m) => `  unknown     ${m} (cannot report)`),
    );
  }
  return `${lines.join('\n')}\n`;
}

type Format = 'json' | 'csv' | 'table';

const time = (ms: number) => (ms > 0 ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '');

/** A commune's live status in words (Vietnamese): the verdict of a period is the report's. */
export function communeStatusText(r: CommuneCoverageRow): string {
  const words: Record<string, string> = {
    meets: 'đạt',
    at_risk: 'có nguy cơ không đạt',
    not_met: 'không đạt (quá thời gian cho phép)',
    unverified: 'chưa xác minh được',
  };
  const text = r.assessed ? (words[r.status] ?? r.status) : 'không áp dụng';
  return r.maintenance ? `${text} (đang bảo trì)` : text;
}

export function formatCommunes(rows: readonly CommuneCoverageRow[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const header = [
    'province',
    'commune',
    'name',
    'hamlets covered',
    'station',
    'operating regularly',
    'criterion',
    'since',
  ];
  const cells = rows.map((r) => [
    r.province,
    r.commune,
    r.name,
    `${r.covered}/${r.hamlets}`,
    r.station,
    `${r.regular}/${r.hamlets}`,
    format === 'csv' ? (r.assessed ? r.status : 'not_assessed') : communeStatusText(r),
    time(r.since),
  ]);
  if (format === 'csv') return toCsv(header, cells);
  const assessed = rows.filter((r) => r.assessed);
  const meets = assessed.filter((r) => r.status === 'meets').length;
  const atRisk = assessed.filter((r) => r.status === 'at_risk' || r.status === 'not_met').length;
  const covered = rows.reduce((n, r) => n + r.covered, 0);
  const hamlets = rows.reduce((n, r) => n + r.hamlets, 0);
  return (
    `${toTable(header, cells)}\n${meets}/${assessed.length} xã đạt tiêu chí lúc này, ${atRisk} có nguy cơ; ` +
    `${covered}/${hamlets} ấp có loa hoạt động.\n`
  );
}

/** Whether a hamlet operates regularly, in words: judged or not yet, and FM/wired ones cannot tell. */
export function regularText(r: HamletCoverageRow): string {
  if (r.clusters - r.clustersUnmonitored === 0) return 'không kiểm tra được (FM/có dây)';
  if (!r.regularityJudged) return 'chưa đánh giá';
  return r.regular ? 'có' : 'không';
}

export function formatHamlets(rows: readonly HamletCoverageRow[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const header = [
    'hamlet',
    'name',
    'status',
    'clusters up',
    'fm/wired clusters',
    'broadcast days (8)',
    'operating regularly',
    'since',
  ];
  const cells = rows.map((r) => [
    r.hamlet,
    r.name,
    r.status,
    // Only clusters that can report can be up: FM and wired ones are counted apart.
    `${r.clustersUp}/${r.clusters - r.clustersUnmonitored}`,
    String(r.clustersUnmonitored),
    String(r.broadcastDays),
    format === 'csv'
      ? r.clusters === r.clustersUnmonitored
        ? 'unverifiable'
        : !r.regularityJudged
          ? 'not_judged'
          : r.regular
            ? 'yes'
            : 'no'
      : regularText(r),
    time(r.since),
  ]);
  return format === 'csv' ? toCsv(header, cells) : toTable(header, cells);
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
