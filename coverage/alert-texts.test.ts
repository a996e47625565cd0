// Golden tests of what alerts say to people (issue 13 point 5): every alert family, firing and resolved,
// in Vietnamese and English. Each text says what, where (names, never slugs), since when (local time),
// the likely cause from the evidence and what to check; each resolution how long it lasted.
import { describe, expect, it } from 'vitest';
import { LANGS, type Lang } from '../i18n/index.js';
import { hashSecret, Inventory, parseInventoryFile } from '../protocol/index.js';
import { CHEAP } from '../test/fixtures/province.js';
import type { Alert } from './alert.js';
import { alertDigest } from './digest.js';
import { runningScenario } from './scenario.js';

async function inventory(): Promise<Inventory> {
  const h = (id: string) => hashSecret(`secret-${id}`, CHEAP);
  const yaml = `province: { id: an-giang, name: "An Giang" }
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    schedule: ["05:00-06:00", "17:00-18:00"]
    hamlets:
      - { id: an-hoa, name: "Ấp An Hòa" }
      - { id: an-thanh, name: "Ấp An Thạnh" }
    devices:
      - { id: vinh-an-station, name: "Đài truyền thanh xã Vĩnh An", kind: station, link: ethernet, secret: "${await h('vinh-an-station')}" }
      - { id: vinh-an-c01, name: "Cụm loa chợ An Hòa", kind: cluster, hamlets: [an-hoa], link: 4g, secret: "${await h('vinh-an-c01')}" }
      - { id: vinh-an-c02, name: "Cụm loa An Thạnh", kind: cluster, hamlets: [an-thanh], link: wifi, secret: "${await h('vinh-an-c02')}" }
      - { id: vinh-an-fm03, name: "Loa FM An Thạnh", kind: cluster, hamlets: [an-thanh], link: fm }
`;
  return Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);
}

// 2026-06-15 07:00 in Vietnam (UTC+7), between the commune's broadcast windows; and 04:50.
const START = Date.UTC(2026, 5, 15, 0, 0);
const BEFORE_DAWN = Date.UTC(2026, 5, 14, 21, 50);
const DEVICES = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02'];

type Scenario = ReturnType<typeof runningScenario>;

type Fields = Parameters<Scenario['heartbeatFields']['set']>[1];

/** A fault the device reports in its heartbeats for 3 minutes, then mended. */
function reportedFault(device: string, fault: Fields, mended: Fields) {
  return (s: Scenario) => {
    for (const [fields, ms] of [
      [fault, 3 * 60_000],
      [mended, 6 * 60_000],
    ] as const) {
      s.heartbeatFields.set(device, fields);
      s.beat(device);
      s.advance(ms);
    }
  };
}

/** A device stops sending heartbeats (no Will) for 20 minutes, then comes back. */
function silentFor20Minutes(device: string) {
  return (s: Scenario) => {
    s.alive.delete(device);
    s.advance(20 * 60_000);
    s.alive.add(device);
    s.beat(device);
    s.advance(6 * 60_000);
  };
}

/** Each case breaks something, lets the alerts fire, mends it and lets them resolve. */
const CASES: { name: string; start?: number; run: (s: Scenario) => void }[] = [
  {
    name: 'Will: a cluster loses its connection (power or link cut)',
    run: (s) => {
      s.alive.delete('vinh-an-c01');
      s.send('vinh-an-c01', 'state', { v: 1, online: false, session: 1, reason: 'lost' });
      s.advance(15 * 60_000);
      s.alive.add('vinh-an-c01');
      s.send('vinh-an-c01', 'state', { v: 1, ts: s.now(), online: true, session: 2, reason: 'boot' });
      s.beat('vinh-an-c01');
      s.advance(6 * 60_000);
    },
  },
  { name: 'heartbeat silence, no Will', run: silentFor20Minutes('vinh-an-c01') },
  {
    name: 'mains lost: on battery, then silent (power cut)',
    run: (s) => {
      s.heartbeatFields.set('vinh-an-c01', { power: 'battery' });
      s.beat('vinh-an-c01');
      s.advance(3 * 60_000);
      s.alive.delete('vinh-an-c01');
      s.advance(20 * 60_000);
      s.heartbeatFields.set('vinh-an-c01', { power: 'mains' });
      s.alive.add('vinh-an-c01');
      s.beat('vinh-an-c01');
      s.advance(6 * 60_000);
    },
  },
  { name: 'amplifier fault', run: reportedFault('vinh-an-c02', { amp: 'fault' }, { amp: 'on' }) },
  {
    name: 'relay tripped on high mains',
    run: reportedFault('vinh-an-c01', { relay: 'tripped' }, { relay: 'ok' }),
  },
  {
    name: 'a scheduled window missed, then the next one kept',
    start: BEFORE_DAWN,
    run: (s) => {
      const log = (device: string, id: string, start: number) => {
        s.send(device, 'broadcast', {
          v: 1,
          id,
          start,
          end: s.now(),
          priority: 'normal',
          source: 'national',
          status: 'completed',
        });
      };
      s.advance(10 * 60_000); // 05:00
      const dawn = s.now();
      s.advance(50 * 60_000);
      log('vinh-an-c01', 'b1', dawn);
      s.advance(16 * 60_000); // 06:06: the window and its grace are over
      s.advance(10 * 3_600_000 + 54 * 60_000, 60_000); // 17:00
      const evening = s.now();
      s.advance(50 * 60_000);
      log('vinh-an-c01', 'b2', evening);
      log('vinh-an-c02', 'b3', evening);
      s.advance(16 * 60_000);
    },
  },
  {
    name: 'an emergency bulletin some clusters did not play',
    run: (s) => {
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
      s.advance(16 * 60_000);
      s.send('vinh-an-c02', 'broadcast', { ...bulletin, id: 'e2', end: s.now() });
      s.advance(5000);
    },
  },
  { name: 'IP cluster down beside an FM one: unverified', run: silentFor20Minutes('vinh-an-c02') },
];

function render(alerts: readonly Alert[]): string {
  return alerts.map((a) => `- **${a.title ?? ''}**\n  ${a.message}`).join('\n');
}

async function golden(lang: Lang): Promise<string> {
  const inv = await inventory();
  const out = [`# Alert texts (${lang})`, ''];
  for (const c of CASES) {
    const s = runningScenario(inv, c.start ?? START, DEVICES, { lang });
    s.advance(10 * 60_000);
    const before = s.sink.alerts.length;
    c.run(s);
    out.push(`## ${c.name}`, '', render(s.sink.alerts.slice(before)), '');
  }
  return out.join('\n');
}

describe('alert texts', () => {
  for (const lang of LANGS) {
    it(`say what, where, since when, the likely cause, what to check, and how long it lasted (${lang}, golden)`, async () => {
      await expect(await golden(lang)).toMatchFileSnapshot(`golden/alerts.${lang}.md`);
    });
  }

  it('every family fires and resolves in the cases above, and no text shows a slug of a place', async () => {
    const inv = await inventory();
    const seen = new Set<string>();
    for (const c of CASES) {
      const s = runningScenario(inv, c.start ?? START, DEVICES);
      s.advance(10 * 60_000);
      c.run(s);
      for (const a of s.sink.alerts) {
        seen.add(`${a.kind}/${a.state}`);
        for (const slug of ['an-hoa', 'an-thanh', 'vinh-an ', 'an-giang']) {
          expect(`${a.title ?? ''} ${a.message}`, a.id).not.toContain(slug);
        }
        if (a.state === 'resolved') expect(a.message, a.id).toMatch(/sau \d+ (phút|giây|giờ)|kéo dài/);
        else expect(a.message, a.id).toContain('Cần kiểm tra:');
      }
    }
    for (const kind of [
      'device_offline',
      'on_battery',
      'hamlet_uncovered',
      'hamlet_unverified',
      'commune_criterion_lost',
      'broadcast_missed',
      'emergency_undelivered',
    ]) {
      expect(seen, kind).toContain(`${kind}/firing`);
      expect(seen, kind).toContain(`${kind}/resolved`);
    }
  });

  it('a burst goes out as one digest in the same language, with names', async () => {
    const inv = await inventory();
    const s = runningScenario(inv, START, DEVICES, { lang: 'en' });
    s.advance(10 * 60_000);
    for (const d of DEVICES) s.alive.delete(d);
    s.advance(20 * 60_000);
    const en = alertDigest(s.sink.alerts, 'en').text;
    expect(en).toMatch(/^\d+ alerts at once: \d+ firing \(/);
    expect(en).toContain('Most in: Xã Vĩnh An (An Giang)');
    expect(en).toContain(
      '- ALERT · Device down · Đài truyền thanh xã Vĩnh An (vinh-an-station), Xã Vĩnh An (An Giang)',
    );
    const vi = alertDigest(s.sink.alerts, 'vi').text;
    expect(vi).toMatch(/^\d+ cảnh báo cùng lúc: \d+ đang báo \(/);
    expect(vi).toContain('Nhiều nhất ở: Xã Vĩnh An (An Giang)');
  });
});
