// The likely cause of each outage in `loa report` (issue 13): the real engine records the evidence with
// each hamlet's state change (`coverage_hamlet.cause`) in a real InfluxDB, and the month report reads it
// back. One scripted past day with an outage of each cause; nothing waits for real minutes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messages } from '../../i18n/index.js';
import { ensureDatabase } from '../../influx/index.js';
import { Inventory, parseInventoryFile } from '../../protocol/index.js';
import { testProvinceYaml } from '../../test/fixtures/province.js';
import { freshDatabase, testWriter } from '../../test/influx-helpers.js';
import { periodReport, reportMarkdown, type PeriodReport } from '../index.js';
import { runningScenario } from '../scenario.js';

const influxUrl = inject('influxUrl');
const HOUR = 3_600_000;
/** 2026-06-10 at `h` o'clock in Vietnam (UTC+7). */
const at = (h: number) => Date.UTC(2026, 5, 10) + (h - 7) * HOUR;
const MONITORED = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];

let ql: Awaited<ReturnType<typeof freshDatabase>>;
let report: PeriodReport;

beforeAll(async () => {
  ql = await freshDatabase(influxUrl, 'outage_causes');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  const yaml = await testProvinceYaml();
  const inventory = Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);
  const s = runningScenario(inventory, at(7), MONITORED);
  const until = (h: number) => {
    s.advance(at(h) - s.now(), 10_000);
  };
  const fields = (device: string, f: Parameters<typeof s.heartbeatFields.set>[1]) => {
    s.heartbeatFields.set(device, f);
    s.beat(device);
  };
  until(8); // Ấp An Hòa (c01 alone): amplifier fault for 30 min.
  fields('vinh-an-c01', { amp: 'fault' });
  until(8.5);
  fields('vinh-an-c01', { amp: 'on' });
  until(10); // Thôn Tân Hòa (tan-lap-c01 alone): the broker sends its Will; back after 45 min.
  s.alive.delete('tan-lap-c01');
  s.send('tan-lap-c01', 'state', { v: 1, online: false, session: 1, reason: 'lost' });
  until(10.75);
  s.alive.add('tan-lap-c01');
  s.send('tan-lap-c01', 'state', { v: 1, ts: s.now(), online: true, session: 2, reason: 'boot' });
  s.beat('tan-lap-c01');
  until(12); // Thôn Tân Hòa: the relay trips on high mains for 20 min.
  fields('tan-lap-c01', { relay: 'tripped' });
  until(12 + 1 / 3);
  fields('tan-lap-c01', { relay: 'ok' });
  until(14); // Ấp An Hòa: mains lost, then silent when the battery runs out; back on mains at 15:00.
  fields('vinh-an-c01', { power: 'battery' });
  until(14.5);
  s.alive.delete('vinh-an-c01');
  until(15);
  s.heartbeatFields.set('vinh-an-c01', { power: 'mains' });
  s.alive.add('vinh-an-c01');
  s.beat('vinh-an-c01');
  until(16); // Thôn Tân Hòa: heartbeats stop, no Will, for 30 min.
  s.alive.delete('tan-lap-c01');
  until(16.5);
  s.alive.add('tan-lap-c01');
  s.beat('tan-lap-c01');
  until(18); // Ấp An Hòa: c01 switched off for a maintenance window of an hour.
  s.engine.setMaintenance([
    {
      id: 'mw-test',
      scope: 'device',
      province: 'an-giang',
      commune: 'vinh-an',
      target: 'vinh-an-c01',
      from: at(18),
      until: at(19),
      reason: 'thay ampli',
      endedAt: 0,
    },
  ]);
  s.alive.delete('vinh-an-c01');
  until(18.9);
  s.alive.add('vinh-an-c01');
  s.beat('vinh-an-c01');
  until(20);
  await testWriter(influxUrl, ql.database, 'long').write(s.lines);
  report = await periodReport(ql, 'month', '2026-06', { inventory, now: Date.UTC(2026, 6, 2) });
});

afterAll(async () => {
  await ql.dropDatabase(ql.database);
  ql.close();
});

const outages = (commune: string) => report.communes.find((c) => c.commune === commune)?.outages ?? [];

describe('the likely cause of each outage, recorded by the engine and read back by the report', () => {
  it('amplifier fault, power cut, Will, relay trip and heartbeat silence, each from its evidence', () => {
    expect(outages('vinh-an').map((o) => [o.name, o.causes])).toEqual([
      ['Ấp An Hòa', ['amp_fault']],
      ['Ấp An Hòa', ['power_cut']],
    ]);
    expect(outages('tan-lap').map((o) => [o.name, o.causes])).toEqual([
      ['Thôn Tân Hòa', ['power_or_link']],
      ['Thôn Tân Hòa', ['relay_trip']],
      ['Thôn Tân Hòa', ['link_silence']],
    ]);
  });

  it('lists a maintenance window apart, with its cause, and does not count it as an outage', () => {
    const vinhAn = report.communes.find((c) => c.commune === 'vinh-an');
    expect(vinhAn?.maintenance.map((o) => [o.name, o.causes])).toEqual([['Ấp An Hòa', ['maintenance']]]);
    expect(vinhAn?.outages).toHaveLength(2);
  });

  it('shows the causes in words in the outage table, in both languages (golden)', async () => {
    const table = (md: string) => md.slice(md.lastIndexOf('\n## '));
    await expect(table(reportMarkdown(report))).toMatchFileSnapshot('../golden/report-outage-causes.vi.md');
    await expect(table(reportMarkdown(report, messages('en')))).toMatchFileSnapshot(
      '../golden/report-outage-causes.en.md',
    );
  });
});
