// The printable report checked in a real browser (issue 13): a simulated province's month, from its
// backfilled daily summaries in a private InfluxDB, rendered by headless Chromium (Debian's `chromium`
// package; never downloaded) to PNG and to PDF. Chromium is driven by its own command line; its
// `--enable-logging=stderr` prints every console message as a `CONSOLE` line, which must not appear.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import YAML from 'yaml';
import { periodReport, reportHtml, reportMap, statementLines, type PeriodReport } from '../coverage/index.js';
import { messages } from '../i18n/index.js';
import { ensureDatabase } from '../influx/index.js';
import { Inventory, parseInventoryFile } from '../protocol/index.js';
import { backfillSummaries, generateProvince } from '../simulator/index.js';
import { CHROMIUM, chromiumArgs } from './chromium.js';
import { freshDatabase, testWriter } from './influx-helpers.js';

const run = promisify(execFile);
const influxUrl = inject('influxUrl');
/** 2026-06-20 12:00 local (UTC+7): the month of June is in progress. */
const NOW = Date.UTC(2026, 5, 20, 5);

/** Chromium on a file, headless, with a fresh profile; stdout and stderr (its log) returned. */
async function chromium(dir: string, args: string[], file: string) {
  const profile = await mkdtemp(join(dir, 'profile-'));
  const { stdout, stderr } = await run(CHROMIUM, chromiumArgs(profile, args, file), {
    timeout: 60_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  return { stdout, stderr };
}

const consoleLines = (log: string) => log.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));

// Without the browser there is nothing to check it in: `.ci/run` installs Debian's `chromium`.
describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let dir: string;
  let ql: Awaited<ReturnType<typeof freshDatabase>>;
  let inventory: Inventory;
  let report: PeriodReport;
  let file: string;
  let clusters: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-report-browser-'));
    const generated = await generateProvince({
      provinceId: 'an-giang',
      provinceName: 'An Giang',
      communes: 10,
      hamletsPerCommune: [2, 5],
      clustersPerHamlet: [1, 2],
      fmShare: 0.15,
      stations: true,
      seed: 13,
      heartbeatS: 60,
    });
    const text = YAML.stringify(generated.inventory);
    inventory = Inventory.fromFiles([
      { file: 'an-giang.yaml', content: parseInventoryFile(text, 'an-giang.yaml') },
    ]);
    clusters =
      inventory.provinces[0]?.communes.flatMap((c) => c.devices.filter((d) => d.kind === 'cluster')).length ??
      0;
    ql = await freshDatabase(influxUrl, 'report_browser');
    await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
    await backfillSummaries({
      inventory,
      writer: testWriter(influxUrl, ql.database, 'long'),
      days: 30,
      until: NOW,
      seed: 13,
      outageChance: 0.05,
    });
    report = await periodReport(ql, 'month', '2026-06', { inventory, now: NOW });
    file = join(dir, 'bao-cao.html');
    await writeFile(file, reportHtml(report, messages('vi'), reportMap(inventory)));
  });
  afterAll(async () => {
    await ql.dropDatabase(ql.database);
    ql.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is one self-contained file: nothing fetched at view time', async () => {
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/url\(|@import/);
  });

  it('renders with no console message, the statement first and one map mark per cluster', async () => {
    const { stdout, stderr } = await chromium(dir, ['--dump-dom'], file);
    expect(consoleLines(stderr)).toEqual([]);
    const [first] = statementLines(report, messages('vi')).statement;
    expect(first).toMatch(/^Toàn tỉnh có \d+\/\d+ xã đạt tiêu chí «/);
    expect(stdout).toContain(`<section class="statement"><p>${first}</p>`);
    expect(clusters).toBeGreaterThan(10);
    expect(stdout.match(/<circle class="cluster/g)).toHaveLength(clusters);
  });

  it('prints to PNG and to a PDF of a few A4 pages', async () => {
    const png = join(dir, 'bao-cao.png');
    const pdf = join(dir, 'bao-cao.pdf');
    const shot = await chromium(dir, [`--screenshot=${png}`, '--window-size=1000,1400'], file);
    expect(consoleLines(shot.stderr)).toEqual([]);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect((await stat(png)).size).toBeGreaterThan(20_000);
    const printed = await chromium(dir, [`--print-to-pdf=${pdf}`, '--no-pdf-header-footer'], file);
    expect(consoleLines(printed.stderr)).toEqual([]);
    const text = (await readFile(pdf)).toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    // A4 is 595 × 842 points; ten communes, their table and the map fit on two to five pages.
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text);
    expect(Math.round(Number(box?.[1]))).toBe(595);
    expect(Math.round(Number(box?.[2]))).toBe(842);
    const pages = (text.match(/\/Type \/Page\b(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(5);
  });
});
