import { describe, expect, it } from 'vitest';
import { hashSecret, Inventory, parseInventoryFile } from '../protocol/index.js';
import { CHEAP, testInventory } from '../test/fixtures/province.js';
import { silentLogger } from '../runtime/index.js';
import { createCoverageEngine } from './engine.js';
import { createScenario, memorySink, runningScenario } from './scenario.js';

/** Vĩnh An with two hamlets, an-hoa and an-thanh, and the given `devices:` lines. */
function vinhAn(devices: string): Inventory {
  const yaml = `province: { id: an-giang, name: "An Giang" }
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    hamlets:
      - { id: an-hoa, name: "Ấp An Hòa" }
      - { id: an-thanh, name: "Ấp An Thạnh" }
    devices:
${devices}`;
  return Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);
}

// 2026-06-15 07:00 in Vietnam (UTC+7), between the test commune's broadcast windows; and 04:50.
const START = Date.UTC(2026, 5, 15, 0, 0);
const BEFORE_DAWN = Date.UTC(2026, 5, 14, 21, 50);
const MONITORED = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];

async function scenario(start = START) {
  return runningScenario(await testInventory(), start, MONITORED);
}

describe('coverage engine', () => {
  it('a dead cluster raises one alert per kind after the threshold, exactly one, in plain words', async () => {
    const s = await scenario();
    s.advance(10 * 60_000);
    expect(s.fired()).toEqual([]);
    expect(s.engine.evaluation.communeStatus[0]).toBe(0); // meets
    s.alive.delete('vinh-an-c01');
    const died = s.now();
    s.advance(3 * 60_000 + 5000); // three heartbeats: down
    expect(s.fired('device_offline')).toEqual([]);
    s.advance(15_000);
    expect(s.fired('device_offline').map((a) => a.where.device)).toEqual(['vinh-an-c01']);
    s.advance(9 * 60_000);
    expect(s.fired('hamlet_uncovered')).toEqual([]);
    s.advance(2 * 60_000);
    const [hamlet] = s.fired('hamlet_uncovered');
    expect(s.fired('hamlet_uncovered')).toHaveLength(1);
    expect(hamlet?.where).toMatchObject({ commune: 'vinh-an', hamlet: 'an-hoa' });
    expect(hamlet?.message).toContain('Ấp An Hòa, Xã Vĩnh An (An Giang): không còn cụm loa nào hoạt động');
    expect(hamlet?.message).toContain('Cụm loa vinh-an-c01: 4G, mất kết nối từ');
    expect(hamlet?.message).toContain('từ 15/06/2026 07:13'); // local time
    expect(hamlet?.since).toBeGreaterThan(died);
    expect(hamlet?.since).toBeLessThanOrEqual(died + 3 * 60_000);
    expect(s.fired('commune_criterion_lost')).toHaveLength(1);
    // A live outage puts the commune at risk; it does not take the criterion away.
    expect(s.fired('commune_criterion_lost')[0]?.message).toMatch(
      /^Xã Vĩnh An \(An Giang\) có nguy cơ không đạt tiêu chí 8\.3 "Xã có đài truyền thanh và hệ thống loa đến các thôn\/ấp" từ 15\/06\/2026 07:13: Ấp An Hòa mất phủ loa\. Cần kiểm tra: /,
    );
    s.advance(60 * 60_000);
    expect(s.fired('hamlet_uncovered')).toHaveLength(1);
    expect(s.fired('device_offline')).toHaveLength(1);
    // It comes back: resolved after the hysteresis, once.
    s.alive.add('vinh-an-c01');
    s.beat('vinh-an-c01');
    s.advance(60_000);
    expect(s.resolved('hamlet_uncovered')).toEqual([]);
    s.advance(65_000);
    expect(s.resolved('hamlet_uncovered')).toHaveLength(1);
    expect(s.resolved('commune_criterion_lost')).toHaveLength(1);
    s.advance(5 * 60_000);
    expect(s.resolved('device_offline')).toHaveLength(1);
    expect(s.sink.alerts).toHaveLength(6);
  });

  it('a flapping link raises no alert storm', async () => {
    const s = await scenario();
    s.advance(5 * 60_000);
    // For two hours the 4G link drops every two minutes for 40 s: the Will, then a new session.
    let session = 1;
    for (let i = 0; i < 60; i++) {
      s.alive.delete('vinh-an-c01');
      s.send('vinh-an-c01', 'state', { v: 1, online: false, session, reason: 'lost' });
      s.advance(40_000);
      session++;
      s.send('vinh-an-c01', 'state', { v: 1, ts: s.now(), online: true, session, reason: 'boot' });
      s.beat('vinh-an-c01');
      s.alive.add('vinh-an-c01');
      s.advance(80_000);
    }
    expect(s.fired('hamlet_uncovered')).toEqual([]);
    expect(s.fired('commune_criterion_lost')).toEqual([]);
    expect(s.fired('device_offline').length).toBeLessThanOrEqual(1);
    s.advance(10 * 60_000);
    expect(s.sink.alerts.length).toBeLessThanOrEqual(2);
  });

  it('ignores a stale Will from an older session', async () => {
    const s = await scenario();
    s.send('vinh-an-c01', 'state', { v: 1, ts: s.now(), online: true, session: 7, reason: 'boot' });
    s.beat('vinh-an-c01');
    s.advance(10_000);
    const c01 = s.engine.model.deviceIndex.get('vinh-an-c01') ?? -1;
    s.send('vinh-an-c01', 'state', { v: 1, online: false, session: 6, reason: 'lost' });
    s.advance(5000);
    expect(s.engine.evaluation.deviceUp[c01]).toBe(1);
    s.send('vinh-an-c01', 'state', { v: 1, online: false, session: 7, reason: 'lost' });
    s.advance(5000);
    expect(s.engine.evaluation.deviceUp[c01]).toBe(0);
  });

  it('a hamlet served only by an FM cluster is unverified and its commune unverified, not uncovered', async () => {
    const hash = await hashSecret('x', CHEAP);
    const inventory = vinhAn(
      `      - { id: vinh-an-c01, kind: cluster, hamlets: [an-hoa], link: 4g, secret: "${hash}" }
      - { id: vinh-an-fm02, kind: cluster, hamlets: [an-thanh], link: fm }
`,
    );
    const s = createScenario(inventory, START);
    s.alive.add('vinh-an-c01');
    s.beat('vinh-an-c01');
    s.advance(30 * 60_000);
    const ev = s.engine.evaluation;
    expect([...ev.hamletStatus]).toEqual([0, 3]); // covered, unverified
    expect(ev.communeStatus[0]).toBe(3); // unverified
    expect(s.fired()).toEqual([]);
    expect(s.wrote('coverage_hamlet,commune=vinh-an,hamlet=an-thanh', 'status="unverified"')).toBe(true);
    expect(s.lines.some((l) => l.startsWith('coverage_commune,') && l.includes('status="unverified"'))).toBe(
      true,
    );
  });

  it('writes a coverage_device point per device: FM ones unmonitored at their position, and on change', async () => {
    const hash = await hashSecret('x', CHEAP);
    const inventory = vinhAn(
      `      - { id: vinh-an-c01, kind: cluster, hamlets: [an-hoa, an-thanh], link: 4g, secret: "${hash}" }
      - { id: vinh-an-fm02, kind: cluster, hamlets: [an-thanh], link: fm, lat: 10.41, lon: 105.44 }
`,
    );
    // Full writes an hour apart: any later point is one written on a change.
    const s = createScenario(inventory, START, { writeEveryMs: 3_600_000 });
    const points = (device: string) =>
      s.lines.filter((l) => l.startsWith(`coverage_device,commune=vinh-an,device=${device},`));
    s.alive.add('vinh-an-c01');
    s.beat('vinh-an-c01');
    s.advance(5000);
    expect(points('vinh-an-fm02')).toEqual([
      `coverage_device,commune=vinh-an,device=vinh-an-fm02,kind=cluster,province=an-giang status="unmonitored",up=false,hamlets="an-thanh",lat=10.41,lon=105.44 ${(START + 5000) * 1_000_000}`,
    ]);
    expect(points('vinh-an-c01')).toHaveLength(1);
    expect(points('vinh-an-c01')[0]).toContain('status="up",up=true,hamlets="an-hoa,an-thanh" ');
    expect(points('vinh-an-c01')[0]).not.toContain('lat=');
    s.advance(5 * 60_000);
    expect(points('vinh-an-c01')).toHaveLength(1);
    s.alive.delete('vinh-an-c01');
    s.advance(4 * 60_000);
    expect(points('vinh-an-c01')).toHaveLength(2);
    expect(points('vinh-an-c01')[1]).toContain('status="down",up=false,hamlets="an-hoa,an-thanh" ');
    expect(points('vinh-an-fm02')).toHaveLength(1);
  });

  it('follows an inventory reload: state kept by id, nothing announced twice, a removed device resolved', async () => {
    const hash = await hashSecret('x', CHEAP);
    const c01 = `      - { id: vinh-an-c01, kind: cluster, hamlets: [an-hoa], link: 4g, secret: "${hash}" }\n`;
    const c02 = `      - { id: vinh-an-c02, kind: cluster, hamlets: [an-thanh], link: 4g, secret: "${hash}" }\n`;
    const c03 = `      - { id: vinh-an-c03, kind: cluster, hamlets: [an-thanh], link: 4g, secret: "${hash}" }\n`;
    const s = createScenario(vinhAn(c01 + c02), START);
    s.alive.add('vinh-an-c01');
    s.alive.add('vinh-an-c02');
    s.beat('vinh-an-c01');
    s.beat('vinh-an-c02');
    s.advance(5 * 60_000);
    s.alive.delete('vinh-an-c02');
    s.advance(20 * 60_000);
    expect(s.fired('device_offline').map((a) => a.where.device)).toEqual(['vinh-an-c02']);
    expect(s.fired('hamlet_uncovered').map((a) => a.where.hamlet)).toEqual(['an-thanh']);
    const announced = s.sink.alerts.length;

    // The dead box is replaced by a new one: the inventory file changes while c01 keeps reporting.
    s.reload(vinhAn(c01 + c03));
    // The new engine evaluated once on start, before any new message: an-hoa is covered because
    // c01's newest heartbeat came across.
    expect(s.engine.evaluation.hamletStatus[0]).toBe(0);
    s.advance(60_000);
    // an-thanh is still uncovered: its alert keeps firing without a second announcement; the removed
    // box's alert resolves at once, saying why.
    expect(s.fired('hamlet_uncovered')).toHaveLength(1);
    expect(s.sink.alerts.slice(announced).map((a) => [a.kind, a.state, a.where.device])).toEqual([
      ['device_offline', 'resolved', 'vinh-an-c02'],
    ]);
    expect(s.sink.alerts.at(-1)?.message).toBe(
      'Cụm loa vinh-an-c02 đã bị xoá khỏi danh mục; cảnh báo kéo dài 17 phút (từ 15/06/2026 07:08).',
    );
    s.alive.add('vinh-an-c03');
    s.beat('vinh-an-c03');
    s.advance(3 * 60_000);
    expect(s.resolved('hamlet_uncovered').map((a) => a.where.hamlet)).toEqual(['an-thanh']);
    expect(s.fired()).toHaveLength(3); // c02 offline, an-thanh uncovered, commune criterion lost
  });

  it('alerts a missed broadcast window once, naming the up clusters that logged nothing', async () => {
    const s = await scenario(BEFORE_DAWN);
    s.advance(10 * 60_000); // 05:00
    const start = s.now();
    s.advance(50 * 60_000); // 05:50
    s.send('vinh-an-c01', 'broadcast', {
      v: 1,
      id: 'b1',
      start,
      end: s.now(),
      priority: 'normal',
      source: 'national',
      status: 'completed',
    });
    s.advance(14 * 60_000); // 06:04: window closed, grace not over
    expect(s.fired('broadcast_missed')).toEqual([]);
    s.advance(2 * 60_000);
    const missed = s.fired('broadcast_missed');
    expect(missed).toHaveLength(1);
    expect(missed[0]?.devices).toEqual(['vinh-an-c02']);
    expect(missed[0]?.message).toContain('05:00-06:00');
    s.advance(60 * 60_000);
    expect(s.fired('broadcast_missed')).toHaveLength(1);
  });

  it('alerts an emergency bulletin some clusters of a commune did not log within 15 minutes', async () => {
    const s = await scenario();
    const start = s.now();
    s.advance(5 * 60_000);
    const bulletin = {
      v: 1 as const,
      start,
      end: s.now(),
      priority: 'emergency' as const,
      source: 'provincial' as const,
      status: 'completed' as const,
      bulletin: 'AG-2026-0412',
    };
    s.send('vinh-an-c01', 'broadcast', { ...bulletin, id: 'e1' });
    s.advance(14 * 60_000);
    expect(s.fired('emergency_undelivered')).toEqual([]);
    s.advance(2 * 60_000);
    const [alert] = s.fired('emergency_undelivered');
    expect(alert?.devices).toEqual(['vinh-an-c02']);
    expect(alert?.message).toContain('AG-2026-0412');
    s.advance(10 * 60_000);
    expect(s.fired('emergency_undelivered')).toHaveLength(1);
    s.send('vinh-an-c02', 'broadcast', { ...bulletin, id: 'e2' });
    s.advance(5000);
    expect(s.resolved('emergency_undelivered')).toHaveLength(1);
  });

  it('raises on_battery when mains is lost, and judges regularity after a week of history', async () => {
    const s = await scenario();
    s.heartbeatFields.set('vinh-an-c02', { power: 'battery' });
    s.beat('vinh-an-c02');
    s.send('vinh-an-c02', 'event', { v: 1, ts: s.now(), type: 'power_lost' });
    s.advance(2 * 60_000);
    expect(s.fired('on_battery').map((a) => a.where.device)).toEqual(['vinh-an-c02']);
    // A week without broadcasts: no hamlet operates regularly, so no commune meets 8.3.
    s.advance(7 * 86_400_000 + 60_000, 60_000);
    expect(s.engine.evaluation.regularityJudged).toBe(true);
    expect(s.engine.evaluation.communeStatus[0]).toBe(2);
  });

  it('wakes when a death becomes due instead of waiting for the next periodic evaluation', async () => {
    // Real timers: the periodic evaluation is an hour away, so only the deadline wake-ups can raise
    // these alerts while the test waits.
    const sink = memorySink();
    const engine = createCoverageEngine({
      inventory: await testInventory(),
      logger: silentLogger(),
      sinks: [sink],
      evaluateEveryMs: 3_600_000,
      rules: { device_offline: { fireAfterMs: 300 } },
      holdAfterStart: false, // this test is about deadlines, not the hold after a restart
    });
    const timeoutMs = engine.model.deviceTimeoutMs[engine.model.deviceIndex.get('vinh-an-c01') ?? 0] ?? 0;
    const t = Date.now();
    const beat = (device: string, ts: number) => {
      engine.observe(device, 'heartbeat', { v: 1, ts, seq: 1, uptime_s: 60, power: 'mains', amp: 'on' }, ts);
    };
    // Silent death: c01's newest heartbeat expires 1.5 s from now. c02 is fresh, then its Will comes:
    // its alert must come first, woken by the Will, not with c01's on c01's deadline.
    beat('vinh-an-c01', t - timeoutMs + 1500);
    beat('vinh-an-c02', t);
    await engine.start();
    await new Promise((r) => setTimeout(r, 20)); // the Will comes after the heartbeat
    engine.observe('vinh-an-c02', 'state', { v: 1, online: false, session: 0, reason: 'lost' }, Date.now());
    try {
      const deadline = Date.now() + 4000;
      while (sink.alerts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(sink.alerts.map((a) => [a.kind, a.where.device])).toEqual([
        ['device_offline', 'vinh-an-c02'],
        ['device_offline', 'vinh-an-c01'],
      ]);
    } finally {
      await engine.stop();
    }
  });
});
