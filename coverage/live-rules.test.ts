import { beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, Inventory, parseInventoryFile } from '../protocol/index.js';
import { CHEAP } from '../test/fixtures/province.js';
import {
  AT_RISK,
  COMMUNE_AT_RISK,
  COVERED,
  DEVICE_STOPPED,
  MAINTENANCE,
  MEETS,
  NOT_JUDGED,
  NOT_MET,
  UNCOVERED,
  UNVERIFIED,
  UNVERIFIED_HAMLET,
} from './evaluate.js';
import type { MaintenanceWindow } from './maintenance.js';
import { runningScenario, createScenario } from './scenario.js';

// Scenario tests of the live rules (docs/coverage.md) through the real engine, one per rule or seen bug.

let HASH = '';
beforeAll(async () => {
  HASH = await hashSecret('x', CHEAP);
});

/** A province file: Vĩnh An with hamlets an-hoa and an-thanh, the given devices and extra lines. */
function province(devices: string, { commune = '', top = '', hamlets = '' } = {}): Inventory {
  const yaml = `province: { id: an-giang, name: "An Giang" }
${top}communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
${commune}    hamlets:
      - { id: an-hoa, name: "Ấp An Hòa" }
      - { id: an-thanh, name: "Ấp An Thạnh" }
${hamlets}    devices:
${devices}`;
  return Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);
}

const ip = (id: string, hamlets: string, extra = '') =>
  `      - { id: ${id}, kind: cluster, hamlets: [${hamlets}], link: 4g, secret: "${HASH}"${extra} }\n`;
const fm = (id: string, hamlets: string) =>
  `      - { id: ${id}, kind: cluster, hamlets: [${hamlets}], link: fm }\n`;
const station = (link = 'ethernet') =>
  link === 'fm' || link === 'wired'
    ? `      - { id: vinh-an-station, kind: station, link: ${link} }\n`
    : `      - { id: vinh-an-station, kind: station, link: ${link}, secret: "${HASH}" }\n`;

// 2026-06-15 07:00 in Vietnam (UTC+7).
const START = Date.UTC(2026, 5, 15, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function live(inventory: Inventory, devices: string[], extra: Parameters<typeof createScenario>[2] = {}) {
  return runningScenario(inventory, START, devices, extra);
}

/** The usual fleet: a station, one IP cluster per hamlet, all reporting. */
const twoHamlets = () =>
  live(province(station() + ip('vinh-an-c01', 'an-hoa') + ip('vinh-an-c02', 'an-thanh')), [
    'vinh-an-station',
    'vinh-an-c01',
    'vinh-an-c02',
  ]);

/** A maintenance window in Vĩnh An from `from`, for `ms`. */
const windowOf = (
  scope: MaintenanceWindow['scope'],
  target: string,
  from: number,
  ms: number,
): MaintenanceWindow => ({
  id: `mw-${target}`,
  scope,
  province: 'an-giang',
  commune: 'vinh-an',
  target,
  from,
  until: from + ms,
  reason: 'bảo trì',
  endedAt: 0,
});

const index = (s: ReturnType<typeof live>, device: string) => s.engine.model.deviceIndex.get(device) ?? -1;

describe('honest FM and wired', () => {
  it('a hamlet whose IP cluster is down but which has an FM cluster is unverified, with an alert saying so', () => {
    const s = live(
      province(
        station() +
          ip('vinh-an-c01', 'an-hoa') +
          ip('vinh-an-c02', 'an-thanh') +
          fm('vinh-an-fm03', 'an-thanh'),
      ),
      ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02'],
    );
    s.advance(5 * MIN);
    s.alive.delete('vinh-an-c02');
    s.advance(20 * MIN);
    const ev = s.engine.evaluation;
    expect([...ev.hamletStatus]).toEqual([COVERED, UNVERIFIED_HAMLET]);
    expect(ev.communeStatus[0]).toBe(UNVERIFIED);
    expect(s.fired('hamlet_uncovered')).toEqual([]);
    expect(s.fired('commune_criterion_lost')).toEqual([]);
    const [alert] = s.fired('hamlet_unverified');
    expect(alert?.severity).toBe('warning');
    expect(alert?.message).toMatch(
      /^Ấp An Thạnh, Xã Vĩnh An \(An Giang\): các cụm loa IP đều ngừng hoạt động từ 15\/06\/2026 07:0\d \(Cụm loa vinh-an-c02: 4G, mất kết nối từ .*\); cụm loa FM\/hữu tuyến \(Cụm loa vinh-an-fm03\) không kiểm tra được từ xa/,
    );
    expect(s.wrote('coverage_hamlet,commune=vinh-an,hamlet=an-thanh', 'status="unverified"')).toBe(true);
  });

  it('a commune whose station is FM or wired has its station present, unverified', () => {
    for (const link of ['fm', 'wired']) {
      const s = live(province(station(link) + ip('vinh-an-c01', 'an-hoa, an-thanh')), ['vinh-an-c01']);
      s.advance(5 * MIN);
      const ev = s.engine.evaluation;
      expect([...ev.hamletStatus]).toEqual([COVERED, COVERED]);
      expect(ev.communeStatus[0]).toBe(UNVERIFIED);
      expect(s.lines.filter((l) => l.startsWith('coverage_commune,')).at(-1)).toContain(
        'station="unverified"',
      );
      expect(s.fired()).toEqual([]);
    }
  });
});

describe('live risk', () => {
  it('a commune is at risk while a hamlet is down for less than the grace, not_met beyond it, in words of risk', () => {
    const s = twoHamlets();
    s.advance(5 * MIN);
    expect(s.engine.evaluation.communeStatus[0]).toBe(MEETS);
    s.alive.delete('vinh-an-c01');
    s.advance(20 * MIN, 60_000);
    const ev = s.engine.evaluation;
    expect(ev.hamletStatus[0]).toBe(AT_RISK);
    expect(ev.communeStatus[0]).toBe(COMMUNE_AT_RISK);
    expect(s.fired('commune_criterion_lost')).toHaveLength(1);
    s.advance(24 * HOUR, 5 * MIN);
    expect(ev.hamletStatus[0]).toBe(UNCOVERED);
    expect(ev.communeStatus[0]).toBe(NOT_MET);
    // Still the one alert: the outage grew older, it is not a new one.
    expect(s.fired('commune_criterion_lost')).toHaveLength(1);
    for (const a of s.sink.alerts) {
      expect(a.message).not.toMatch(/no longer meets|không còn đạt|criterion/i);
    }
    expect(s.fired('commune_criterion_lost')[0]?.message).toContain('có nguy cơ không đạt');
    const commune = s.lines.filter((l) => l.startsWith('coverage_commune,')).at(-1);
    expect(commune).toContain('status="not_met"');
  });

  it("the criterion is the province's: hamlet share, grace, station, unit types", () => {
    const top = `criterion:
  id: ntm-2026-test
  number: ""
  name: { vi: "Hệ thống loa hoạt động", en: "Loudspeakers operating" }
  hamletShare: 0.5
  stationRequired: false
  riskGraceS: 3600
`;
    const devices = ip('vinh-an-c01', 'an-hoa') + ip('vinh-an-c02', 'an-thanh');
    const s = live(province(devices, { top }), ['vinh-an-c01', 'vinh-an-c02']);
    s.advance(5 * MIN);
    // No station and none required: meets.
    expect(s.engine.evaluation.communeStatus[0]).toBe(MEETS);
    s.alive.delete('vinh-an-c01');
    s.advance(2 * HOUR, MIN);
    // Half of the hamlets suffice: an-hoa uncovered (beyond the one-hour grace), the commune still meets.
    expect(s.engine.evaluation.hamletStatus[0]).toBe(UNCOVERED);
    expect(s.engine.evaluation.communeStatus[0]).toBe(MEETS);
    expect(s.fired('commune_criterion_lost')).toEqual([]);
    s.alive.delete('vinh-an-c02');
    s.advance(20 * MIN, MIN);
    expect(s.engine.evaluation.communeStatus[0]).toBe(COMMUNE_AT_RISK);
    s.advance(HOUR, MIN);
    expect(s.engine.evaluation.communeStatus[0]).toBe(NOT_MET);
    const [alert] = s.fired('commune_criterion_lost');
    expect(alert?.message).toContain('có nguy cơ không đạt tiêu chí "Hệ thống loa hoạt động"');

    // A phường is outside the criterion: shown, not counted, no commune alert.
    const ward = live(province(devices, { commune: '    unit: phuong\n    formerly: ["Xã Vĩnh An cũ"]\n' }), [
      'vinh-an-c02',
    ]);
    ward.advance(30 * MIN, MIN);
    expect(ward.engine.model.communes[0]).toMatchObject({
      unit: 'phuong',
      assessed: false,
      formerly: ['Xã Vĩnh An cũ'],
    });
    expect(ward.fired('hamlet_uncovered')).toHaveLength(1);
    expect(ward.fired('commune_criterion_lost')).toEqual([]);
    expect(ward.lines.filter((l) => l.startsWith('coverage_province,')).at(-1)).toContain(
      'communes=0i,communes_meeting=0i',
    );
  });

  it('regularity is not judged during the first days, and says so', () => {
    const s = live(province(station() + ip('vinh-an-c01', 'an-hoa, an-thanh')), [
      'vinh-an-station',
      'vinh-an-c01',
    ]);
    s.advance(2 * 86_400_000, HOUR);
    expect(s.engine.evaluation.hamletRegular[0]).toBe(NOT_JUDGED);
    const hamlet = s.lines.filter((l) => l.startsWith('coverage_hamlet,')).at(-1);
    expect(hamlet).toContain('regularity_judged=false');
  });
});

describe('intended stops, maintenance, restarts', () => {
  it('a device that published shutdown is stopped, paged only if still stopped after 2 h, with its true since', () => {
    const s = twoHamlets();
    s.advance(5 * MIN);
    s.alive.delete('vinh-an-c01');
    const stoppedAt = s.now();
    s.send('vinh-an-c01', 'state', { v: 1, ts: stoppedAt, online: false, session: 1, reason: 'shutdown' });
    s.advance(MIN);
    expect(s.engine.evaluation.deviceStatus[index(s, 'vinh-an-c01')]).toBe(DEVICE_STOPPED);
    s.advance(HOUR + 50 * MIN, MIN);
    expect(s.fired()).toEqual([]);
    s.advance(15 * MIN, MIN);
    const offline = s.fired('device_offline');
    expect(offline.map((a) => a.where.device)).toEqual(['vinh-an-c01']);
    expect(offline[0]?.since).toBe(stoppedAt);
    expect(offline[0]?.message).toContain('được tắt chủ động từ');
    expect(s.fired('hamlet_uncovered').map((a) => a.since)).toEqual([stoppedAt]);
  });

  it('a maintenance window holds the alerts of its device, and lets them through when it ends if still true', () => {
    const s = twoHamlets();
    const window = windowOf('device', 'vinh-an-c01', s.now(), HOUR);
    s.engine.setMaintenance([window]);
    s.advance(5 * MIN);
    s.alive.delete('vinh-an-c01');
    const died = s.now();
    s.advance(50 * MIN, MIN);
    const ev = s.engine.evaluation;
    expect(ev.hamletStatus[0]).toBe(MAINTENANCE);
    expect(s.fired()).toEqual([]);
    expect(
      s.lines.filter((l) => l.startsWith('coverage_device,commune=vinh-an,device=vinh-an-c01,')).at(-1),
    ).toContain('status="maintenance"');
    s.advance(10 * MIN, MIN); // the window ends, c01 is still silent
    expect(s.fired('device_offline').map((a) => a.where.device)).toEqual(['vinh-an-c01']);
    expect(s.fired('device_offline')[0]?.since).toBeLessThanOrEqual(died + 3 * MIN);
    expect(s.fired('hamlet_uncovered')).toHaveLength(1);
  });

  it('a commune window holds every alert of the commune; ending it early lets them through', () => {
    const s = twoHamlets();
    const window = windowOf('commune', 'vinh-an', s.now(), 10 * HOUR);
    s.engine.setMaintenance([window]);
    s.alive.delete('vinh-an-c01');
    s.alive.delete('vinh-an-station');
    s.advance(30 * MIN, MIN);
    expect(s.fired()).toEqual([]);
    expect(s.engine.evaluation.communeMaintenance[0]).toBe(1);
    expect(s.lines.filter((l) => l.startsWith('coverage_commune,')).at(-1)).toContain('maintenance=true');
    s.engine.setMaintenance([{ ...window, endedAt: s.now() }]);
    s.advance(MIN);
    expect(
      s
        .fired('device_offline')
        .map((a) => a.where.device)
        .sort(),
    ).toEqual(['vinh-an-c01', 'vinh-an-station']);
    expect(s.fired('commune_criterion_lost')).toHaveLength(1);
  });

  it('after a restart, devices back in time page nothing; the one that stays away is paged with its true since', async () => {
    const lastHeard = START - 5 * MIN; // the platform was down five minutes (an upgrade)
    const s = createScenario(
      province(station() + ip('vinh-an-c01', 'an-hoa') + ip('vinh-an-c02', 'an-thanh')),
      START,
      {
        restore: (engine) => {
          for (const d of ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02']) {
            const i = engine.model.deviceIndex.get(d) ?? -1;
            engine.state.heartbeat(i, lastHeard, false, false, undefined);
            engine.state.heard(i, lastHeard);
          }
          return Promise.resolve();
        },
      },
    );
    await s.engine.start();
    await s.engine.stop(); // its timers: this test drives the clock
    // The agents reconnect over their backoff, up to a minute; c02 stays away.
    s.advance(20_000, 1000);
    for (const d of ['vinh-an-station', 'vinh-an-c01']) {
      s.send(d, 'state', { v: 1, ts: s.now(), online: true, session: 2, reason: 'boot' });
      s.beat(d);
      s.alive.add(d);
    }
    s.advance(3 * MIN + 30_000, 1000); // 3 min 50 s after the start: within 3 heartbeats + 60 s
    expect(s.fired().map((a) => [a.kind, a.where])).toEqual([]);
    s.advance(30_000, 1000);
    const offline = s.fired('device_offline');
    expect(offline.map((a) => a.where.device)).toEqual(['vinh-an-c02']);
    expect(offline[0]?.since).toBe(lastHeard + 3 * MIN);
    s.advance(5 * MIN, 1000); // its hamlet has been silent 10 min since its true start
    expect(s.fired('hamlet_uncovered').map((a) => [a.where.hamlet, a.since])).toEqual([
      ['an-thanh', lastHeard + 3 * MIN],
    ]);
  });
});

describe('seen bugs', () => {
  it('an inventory reload, even of a comment, keeps every since: the commune alert fires 10 min after the gap', () => {
    const devices = station() + ip('vinh-an-c01', 'an-hoa') + ip('vinh-an-c02', 'an-thanh');
    const s = live(province(devices), ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02']);
    s.advance(5 * MIN);
    s.alive.delete('vinh-an-c01');
    s.advance(4 * MIN, 1000);
    const gap = s.engine.evaluation.hamletDownSince[0] ?? 0;
    expect(gap).toBeGreaterThan(0);
    const sinceOf = (kind: string) =>
      s.lines
        .filter((l) => l.startsWith(kind))
        .at(-1)
        ?.match(/since=(\d+)i/)?.[1];
    const hamletSince = sinceOf('coverage_hamlet,commune=vinh-an,hamlet=an-hoa');
    const coveredSince = sinceOf('coverage_hamlet,commune=vinh-an,hamlet=an-thanh');
    expect(Number(coveredSince)).toBe(START);
    // A comment-only edit every three minutes.
    for (let i = 0; i < 4; i++) {
      s.reload(province(`      # edit ${i}\n${devices}`));
      s.advance(Math.min(3 * MIN, gap + 10 * MIN - s.now() - 1000), 1000);
    }
    expect(s.fired('commune_criterion_lost')).toEqual([]);
    s.advance(2000, 1000);
    expect(s.fired('commune_criterion_lost').map((a) => a.since)).toEqual([gap]);
    expect(s.fired('hamlet_uncovered').map((a) => a.since)).toEqual([gap]);
    s.advance(60 * MIN, MIN); // a full write: the hamlet's since is still the gap's start
    expect(sinceOf('coverage_hamlet,commune=vinh-an,hamlet=an-hoa')).toBe(hamletSince);
    expect(sinceOf('coverage_hamlet,commune=vinh-an,hamlet=an-thanh')).toBe(coveredSince);
    expect(sinceOf('coverage_commune,')).toBe(String(gap));
  });

  it('a device reconnecting with a backlog is alive from the moment it is heard, whatever its replayed times', () => {
    const s = live(
      province(station() + ip('vinh-an-c01', 'an-hoa, an-thanh')),
      ['vinh-an-station', 'vinh-an-c01'],
      {},
    );
    s.advance(2 * MIN, 1000);
    const lostAt = s.now();
    s.alive.delete('vinh-an-c01'); // the link drops silently; the agent queues its messages
    s.advance(3 * MIN + 8000, 1000);
    // Back: a new session, then the outbox replays, oldest first, ahead of anything new.
    s.send('vinh-an-c01', 'state', { v: 1, ts: s.now(), online: true, session: 2, reason: 'boot' });
    for (let k = 1; k <= 8; k++) {
      s.advance(1000, 1000);
      s.send('vinh-an-c01', 'event', { v: 1, ts: lostAt + k * 1000, type: 'power_restored' });
    }
    for (let k = 1; k <= 3; k++) {
      s.send('vinh-an-c01', 'heartbeat', {
        v: 1,
        ts: lostAt + k * MIN,
        seq: 100 + k,
        uptime_s: 1000,
        power: 'mains',
        amp: 'on',
      });
    }
    s.alive.add('vinh-an-c01');
    s.advance(10 * MIN, 1000);
    expect(s.fired('device_offline')).toEqual([]);
  });

  it('a station whose clock runs 2 minutes slow is not paged: liveness is receipt time', () => {
    const s = live(province(station() + ip('vinh-an-c01', 'an-hoa, an-thanh', ', heartbeat_s: 10')), [
      'vinh-an-station',
    ]);
    for (let i = 0; i < 60; i++) {
      // Every 10 s, stamped by a clock 2 minutes behind.
      s.send('vinh-an-c01', 'heartbeat', {
        v: 1,
        ts: s.now() - 2 * MIN,
        seq: i,
        uptime_s: i * 10,
        power: 'mains',
        amp: 'on',
      });
      s.advance(10_000, 5000);
    }
    expect(s.engine.evaluation.deviceUp[index(s, 'vinh-an-c01')]).toBe(1);
    expect(s.fired()).toEqual([]);
  });

  it('a broadcast window ending after 23:55 local is judged on the next local day', () => {
    const s = createScenario(
      province(station() + ip('vinh-an-c01', 'an-hoa, an-thanh'), {
        commune: '    schedule: ["23:51-23:56"]\n',
      }),
      Date.UTC(2026, 5, 15, 16, 0), // 23:00 local
    );
    for (const d of ['vinh-an-station', 'vinh-an-c01']) {
      s.alive.add(d);
      s.beat(d);
    }
    s.advance(58 * MIN, MIN); // 23:58: closed, grace not over
    expect(s.fired('broadcast_missed')).toEqual([]);
    s.advance(5 * MIN, MIN); // 00:03 the next day
    const [missed] = s.fired('broadcast_missed');
    expect(missed?.devices).toEqual(['vinh-an-c01']);
    expect(missed?.message).toContain('khung giờ phát 23:51-23:56 ngày 15/06/2026');
    s.advance(HOUR, MIN);
    expect(s.fired('broadcast_missed')).toHaveLength(1);
  });
});
