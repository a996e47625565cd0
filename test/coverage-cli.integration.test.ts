// `loa up` runs the coverage engine: a device's heartbeat reaches it through the ingest's observer,
// and `loa coverage` / `loa report` read the result back from InfluxDB through the run record.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { freePort } from '../influx/index.js';
import { spawnLoa } from './cli-process.js';
import { testProvinceYaml, topicOf } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';
import { connectDevice, publish } from './mqtt-helpers.js';
import { eventually } from './wait.js';

const influxUrl = inject('influxUrl');

async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const p = spawnLoa(args);
  const code = await p.exit();
  return { code, output: p.output() };
}

it('`loa coverage` and `loa report` show what the engine inside `loa up` computed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loa-coverage-cli-'));
  const inventoryDir = join(dir, 'inventory');
  await mkdir(inventoryDir);
  await writeFile(join(inventoryDir, 'an-giang.yaml'), await testProvinceYaml());
  const ql = await freshDatabase(influxUrl, 'coverage_cli');
  const data = join(dir, 'data');
  const mqttPort = await freePort();
  const up = spawnLoa([
    'up',
    '--inventory',
    inventoryDir,
    '--data',
    data,
    '--influx-url',
    influxUrl,
    '--database',
    ql.database,
    '--mqtt-port',
    String(mqttPort),
    '--http-port',
    '0',
  ]);
  try {
    await up.waitFor(/broker +mqtt:/);
    const client = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'tan-lap-c01');
    const hb = { v: 1, ts: Date.now(), seq: 1, uptime_s: 5, power: 'mains', amp: 'on' };
    await publish(client, topicOf('tan-lap-c01', 'heartbeat'), hb);
    await client.endAsync();

    // Tân Lập's only hamlet is covered as soon as the engine has evaluated (every 5 s by default).
    const communes = await eventually(
      async () => {
        const { code, output } = await run(['coverage', '--data', data, '--json']);
        expect(code).toBe(0);
        const rows = JSON.parse(output) as { commune: string; covered: number; status: string }[];
        // Tân Lập lists no station: it is judged on its hamlets.
        expect(rows.find((r) => r.commune === 'tan-lap')).toMatchObject({ covered: 1, status: 'meets' });
        return rows;
      },
      30_000,
      1000,
    );
    expect(communes.find((r) => r.commune === 'vinh-an')).toMatchObject({ covered: 0, status: 'not_met' });

    // For people: the reader's language (English here: LOA_LANG=en), local time; Vietnamese by default.
    const table = await run(['coverage', '--data', data]);
    expect(table.output).toMatch(/^province +commune +name +hamlets covered +station/);
    expect(table.output).toMatch(/tan-lap +Xã Tân Lập +1\/1 +none +1\/1 +meets +\d{4}-\d\d-\d\d \d\d:\d\d\n/);
    const vi = await run(['coverage', '--data', data, '--lang', 'vi']);
    expect(vi.output).toMatch(/^tỉnh +xã +tên +ấp có loa +đài xã/);
    expect(vi.output).toMatch(
      /tan-lap +Xã Tân Lập +1\/1 +không có +1\/1 +đạt +\d\d\/\d\d\/\d{4} \d\d:\d\d\n/,
    );
    const hamlets = await run(['coverage', '--data', data, '--commune', 'vinh-an', '--csv']);
    expect(hamlets.output.split('\n')[0]).toBe(
      'hamlet,name,status,clusters up,fm/wired clusters,broadcast days (8),operating regularly,since',
    );
    // The FM cluster is counted apart, never as a cluster that is down; nothing is judged on day one.
    expect(hamlets.output).toContain('an-hoa,Ấp An Hòa,uncovered,0/1,0,0,not_judged,');
    expect(hamlets.output).toContain('an-binh,Ấp An Bình,unverified,0/1,1,0,not_judged,');
    const people = await run(['coverage', '--data', data, '--commune', 'vinh-an']);
    expect(people.output).toMatch(
      /an-hoa +Ấp An Hòa +(loudspeakers down|loudspeakers down \(at risk\)) +0\/1 +0 +0 +not judged yet /,
    );

    // Maintenance windows: bad input names the flag and changes nothing; a good one shows everywhere.
    const addWindow = (place: string, id: string, until: string, reason: string) =>
      run(['maintenance', 'add', '--data', data, place, id, '--until', until, '--reason', reason]);
    const past = await addWindow('--device', 'tan-lap-c01', '2020-01-01 08:00', 'x');
    expect(past.code).not.toBe(0);
    expect(past.output).toContain('--until: "2020-01-01 08:00" is in the past');
    const unknown = await addWindow('--device', 'no-such-box', '+2h', 'x');
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('--device: no device "no-such-box" in the inventory');
    expect((await run(['maintenance', 'list', '--data', data, '--all', '--json'])).output.trim()).toBe('[]');
    const added = await addWindow('--commune', 'vinh-an', '+2h', 'thay đài');
    expect(added.code).toBe(0);
    const id = added.output.trim();
    expect(id).toMatch(/^mw-[0-9a-z]+$/);
    expect((await run(['maintenance', 'list', '--data', data])).output).toContain(
      `${id}  Xã Vĩnh An (An Giang)`,
    );
    // The engine reads it within seconds: the commune shows under maintenance.
    await eventually(
      async () => {
        const rows = JSON.parse((await run(['coverage', '--data', data, '--json'])).output) as {
          commune: string;
          maintenance: boolean;
        }[];
        expect(rows.find((r) => r.commune === 'vinh-an')?.maintenance).toBe(true);
      },
      30_000,
      1000,
    );
    expect((await run(['coverage', '--data', data])).output).toContain('thay đài');
    expect((await run(['maintenance', 'end', id, '--data', data])).code).toBe(0);
    expect((await run(['maintenance', 'list', '--data', data])).output).toContain('No maintenance window.');
    const again = await run(['maintenance', 'end', id, '--data', data]);
    expect(again.output).toContain(`id: "${id}" has already ended`);

    const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
    const report = await run(['report', '--data', data, '--month', month, '--lang', 'vi']);
    expect(report.code).toBe(0);
    expect(report.output).toContain(
      `# Báo cáo tiêu chí 8.3 “Xã có đài truyền thanh và hệ thống loa đến các thôn/ấp”, tháng ${month.slice(5)}/${month.slice(0, 4)}`,
    );
    expect(report.output).toContain('| An Giang | Xã Tân Lập |');

    // A past day's summaries, rebuilt on demand from the stored state changes; today has not ended.
    const yesterday = new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    const rebuilt = await run(['report', 'rebuild', '--data', data, '--day', yesterday]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.output).toContain(`${yesterday}: 2 communes, 4 hamlets summarized`);
    const [days] = await ql.query(
      `SELECT count("verdict") FROM "long"."coverage_commune_day" WHERE "day" = '${yesterday}'`,
    );
    expect(days?.values[0]?.[1]).toBe(2);
    // The state on that date, in the official form (English here: LOA_LANG=en).
    const at = await run(['report', '--data', data, '--at', yesterday]);
    expect(at.code).toBe(0);
    expect(at.output).toMatch(/^\*\*Province-wide, \d\/2 communes meet the criterion «/m);
    // The files for the department: a workbook and a printable page with the map, where --out says.
    const xlsx = join(dir, 'bao-cao.xlsx');
    const wrote = await run(['report', '--data', data, '--at', yesterday, '--format', 'xlsx', '--out', xlsx]);
    expect(wrote.code).toBe(0);
    expect((await readFile(xlsx)).subarray(0, 2).toString()).toBe('PK');
    const html = join(dir, 'bao-cao.html');
    const page = await run(['report', '--data', data, '--month', month, '--format', 'html', '--out', html]);
    expect(page.code).toBe(0);
    const text = await readFile(html, 'utf8');
    expect(text).toContain('<section class="statement"><p>Province-wide, ');
    expect(text).toContain('<svg class="map"');
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const refused = await run(['report', 'rebuild', '--data', data, '--day', today]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`--day ${today} has not ended yet in An Giang`);
  } finally {
    await up.kill('SIGTERM');
    await ql.dropDatabase(ql.database);
    ql.close();
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000);
