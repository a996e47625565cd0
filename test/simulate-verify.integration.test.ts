// `--verify` against a real InfluxDB with points written by hand: what the simulation acknowledged is
// compared with what is stored, and each fault with the alerts of the engine. The outages here last
// longer than a test may (a hamlet silent for 11 minutes), which only hand-written history allows.
import { messages } from '../i18n/index.js';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ensureDatabase, LONG_RETENTION_POLICY, type InfluxQl } from '../influx/index.js';
import { parseInventoryFile, Inventory } from '../protocol/index.js';
import {
  DeviceLedger,
  verifyRun,
  type InjectedFault,
  type LedgerEntry,
  type SimulationReport,
} from '../simulator/index.js';
import { testProvinceYaml } from './fixtures/province.js';
import { freshDatabase } from './influx-helpers.js';

const influxUrl = inject('influxUrl');
let ql: InfluxQl & { database: string };
let inventory: Inventory;
const t0 = Date.now() - 20 * 60_000;
const MIN = 60_000;

beforeAll(async () => {
  ql = await freshDatabase(influxUrl, 'simulate_verify');
  await ensureDatabase(ql, { database: ql.database, rawRetentionDays: 30 });
  inventory = Inventory.fromFiles([
    { file: 'an-giang.yaml', content: parseInventoryFile(await testProvinceYaml(), 'an-giang.yaml') },
  ]);
});

afterAll(async () => {
  await ql.dropDatabase(ql.database);
  ql.close();
});

async function write(lines: string[], rp?: string): Promise<void> {
  const url = `${influxUrl}/write?db=${ql.database}&precision=ms${rp === undefined ? '' : `&rp=${rp}`}`;
  const res = await fetch(url, { method: 'POST', body: lines.join('\n') });
  expect(res.status).toBe(204);
}

const entry = (channel: LedgerEntry['channel'], time: number, label: string): LedgerEntry => ({
  channel,
  time,
  label,
  skewMs: 0,
  at: time,
});

function ledgerOf(acked: LedgerEntry[], unacked: LedgerEntry[] = []): DeviceLedger {
  const ledger = new DeviceLedger();
  ledger.acked.push(...acked);
  ledger.accepted.push(...acked, ...unacked);
  return ledger;
}

function report(ledgers: Record<string, DeviceLedger>, faults: InjectedFault[]): SimulationReport {
  return {
    startedAt: t0,
    stoppedAt: t0 + 12 * MIN,
    ledgers: new Map(Object.entries(ledgers)),
    faults,
    dark: [],
  };
}

// English unless told: the lines below are compared word for word.
const verify = (r: SimulationReport, lang: 'vi' | 'en' = 'en') =>
  verifyRun({ ql, inventory, report: r, heartbeatMs: () => 1000, timeoutMs: 0, messages: messages(lang) });

it('passes when every acknowledged message is stored once and every fault raised its alerts', async () => {
  const tags = 'commune=tan-lap,device=tan-lap-c01,province=an-giang';
  await write([
    ...[0, 1, 2, 3].map((i) => `heartbeat,${tags} seq=${i}i,uptime_s=${i} ${t0 + i * 1000}`),
    `broadcast,${tags},priority=normal,source=national,status=completed id="b1" ${t0}`,
    `presence,${tags} online=false,reason="lost",session=0i ${t0 + 50}`,
  ]);
  const alert = (kind: string, fields: string, since: number) =>
    `alert,commune=tan-lap,kind=${kind},province=an-giang,state=firing ${fields},since=${since}i ${since + 11 * MIN}`;
  await write(
    [
      alert('device_offline', 'device="tan-lap-c01",hamlet=""', t0 + 100),
      alert('hamlet_uncovered', 'device="tan-lap-c01",hamlet="tan-hoa"', t0 + 200),
      alert('commune_criterion_lost', 'device="",hamlet=""', t0 + 200),
    ],
    LONG_RETENTION_POLICY,
  );
  const ledger = ledgerOf(
    [
      entry('heartbeat', t0, '0'),
      entry('heartbeat', t0 + 1000, '1'),
      entry('heartbeat', t0 + 2000, '2'),
      entry('broadcast', t0, 'b1'),
    ],
    // Sent, never acknowledged (the link went), yet stored: at least once allows that.
    [entry('heartbeat', t0 + 3000, '3')],
  );
  const drop: InjectedFault = { kind: 'link_drop', devices: ['tan-lap-c01'], start: t0, end: t0 + 11 * MIN };
  const result = await verify(report({ 'tan-lap-c01': ledger }, [drop]));
  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.held).toEqual([
    'acknowledged messages stored once: heartbeat 3 · broadcast 1 · event 0',
    'link_drop tan-lap-c01: Will (offline, lost) of tan-lap-c01; device_offline for tan-lap-c01',
    'hamlet_uncovered for tan-lap/tan-hoa',
    'commune_criterion_lost for tan-lap',
  ]);
  // The same report in Vietnamese, `loa simulate run --verify`'s default.
  expect((await verify(report({ 'tan-lap-c01': ledger }, [drop]), 'vi')).held).toEqual([
    'bản ghi đã xác nhận được lưu đúng một lần: heartbeat 3 · broadcast 1 · event 0',
    'link_drop tan-lap-c01: Will (offline, lost) của tan-lap-c01; device_offline cho tan-lap-c01',
    'hamlet_uncovered cho tan-lap/tan-hoa',
    'commune_criterion_lost cho tan-lap',
  ]);

  // Now what it must catch: a message acknowledged and not stored, a point the device never sent, a
  // broadcast stored twice, an amplifier fault with no alert, a silent hamlet nobody reported.
  const tags2 = 'commune=vinh-an,device=vinh-an-c01,province=an-giang';
  await write([
    `heartbeat,${tags2} seq=0i,uptime_s=0 ${t0}`,
    `heartbeat,${tags2} seq=7i,uptime_s=7 ${t0 + 7000}`,
    `broadcast,${tags2},priority=normal,source=national,status=completed id="b2" ${t0}`,
    `broadcast,${tags2},priority=normal,source=national,status=interrupted id="b2" ${t0 + 500}`,
    `reject,reason=wrong_place device="vinh-an-c01",detail="under another commune",topic="t" ${t0 + 100}`,
  ]);
  const bad = ledgerOf([
    entry('heartbeat', t0, '0'),
    entry('heartbeat', t0 + 1000, '1'),
    entry('broadcast', t0, 'b2'),
    entry('broadcast', t0 + 500, 'b2'),
  ]);
  const amp: InjectedFault = { kind: 'amp_fault', devices: ['vinh-an-c01'], start: t0, end: t0 + 11 * MIN };
  // On battery for 70 s, then dark until the end: three things due, none there.
  const cut: InjectedFault = {
    kind: 'power_cut',
    devices: ['vinh-an-c02'],
    start: t0,
    darkAt: t0 + 70_000,
    end: t0 + 3 * MIN,
  };
  const failed = await verify(report({ 'vinh-an-c01': bad }, [amp, cut]));
  expect(failed.ok).toBe(false);
  expect(failed.problems).toEqual([
    'heartbeat of vinh-an-c01: 1 acknowledged but not stored (seq 1)',
    `heartbeat of vinh-an-c01: 1 stored that the device never sent (at ${new Date(t0 + 7000).toISOString()})`,
    'broadcast of vinh-an-c01: stored more than once: b2',
    'amp_fault vinh-an-c01: missing device_offline for vinh-an-c01; heartbeats of vinh-an-c01 with amp fault',
    'power_cut vinh-an-c02: missing on_battery for vinh-an-c02; Will (offline, lost) of vinh-an-c02; device_offline for vinh-an-c02',
    'hamlet_uncovered for vinh-an/an-hoa: missing (every cluster down 660 s)',
    'commune_criterion_lost for vinh-an: missing',
    'refused by the ingest, vinh-an-c01: wrong_place ×1 (under another commune)',
  ]);
});

it('judges faults that overlap on a device as one outage, paged once (issue #14, point 14)', async () => {
  // The README's scenario: a random link drop, then a scripted one on the same cluster while it is
  // still cut off. The engine sees one outage and raises one device_offline, before the second began.
  const own = await freshDatabase(influxUrl, 'simulate_verify_overlap');
  await ensureDatabase(own, { database: own.database, rawRetentionDays: 30 });
  try {
    const device = 'tan-lap-c01';
    const tags = `commune=tan-lap,device=${device},province=an-giang`;
    const post = async (lines: string[], rp: string) => {
      const url = `${influxUrl}/write?db=${own.database}&precision=ms&rp=${rp}`;
      expect((await fetch(url, { method: 'POST', body: lines.join('\n') })).status).toBe(204);
    };
    await post([`presence,${tags} online=false,reason="lost",session=0i ${t0 + 60_050}`], 'raw');
    const alert = (state: string, at: number) =>
      `alert,commune=tan-lap,kind=device_offline,province=an-giang,state=${state} device="${device}",hamlet="",since=${t0 + 60_000}i ${at}`;
    await post([alert('firing', t0 + 72_000), alert('resolved', t0 + 125_000)], LONG_RETENTION_POLICY);
    const random: InjectedFault = {
      kind: 'link_drop',
      devices: [device],
      start: t0 + 60_000,
      end: t0 + 80_000,
    };
    const scripted: InjectedFault = {
      kind: 'link_drop',
      devices: [device],
      start: t0 + 70_000,
      end: t0 + 115_000,
      alreadyDown: [device],
    };
    const result = await verifyRun({
      ql: own,
      inventory,
      report: report({ [device]: ledgerOf([]) }, [random, scripted]),
      heartbeatMs: () => 5000,
      timeoutMs: 0,
      messages: messages('en'),
    });
    expect(result.problems).toEqual([]);
    expect(result.held.filter((l) => l.startsWith('link_drop'))).toEqual([
      `link_drop ${device}: Will (offline, lost) of ${device}; device_offline for ${device}`,
      `link_drop ${device}: Will (offline, lost) of ${device}; device_offline for ${device}`,
    ]);
  } finally {
    await own.dropDatabase(own.database);
    own.close();
  }
});
