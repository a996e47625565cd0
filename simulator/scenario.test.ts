import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  hashSecret,
  InventoryError,
  Inventory,
  inventoryFileSchema,
  parseInventoryFile,
} from '../protocol/index.js';
import { generateProvince } from './generate.js';
import { matchTarget, parseDuration, parseScenario } from './scenario.js';

const HASH = await hashSecret('secret', { N: 1024, r: 8, p: 1 });

// Two communes, a hamlet served by two clusters, an FM cluster (not a target: it cannot report).
const inventory = Inventory.fromFiles([
  {
    file: 'an-giang.yaml',
    content: parseInventoryFile(
      `province: { id: an-giang, name: "An Giang" }
timezone: Asia/Ho_Chi_Minh
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    hamlets: [{ id: an-hoa, name: "Ấp An Hòa" }, { id: an-thanh, name: "Ấp An Thạnh" }]
    devices:
      - { id: vinh-an-station, kind: station, link: ethernet, secret: "${HASH}" }
      - { id: vinh-an-c01, kind: cluster, hamlets: [an-hoa], link: 4g, lat: 10.38, lon: 105.43, secret: "${HASH}" }
      - { id: vinh-an-c02, kind: cluster, hamlets: [an-hoa, an-thanh], link: 4g, lat: 10.40, lon: 105.45, secret: "${HASH}" }
      - { id: vinh-an-fm03, kind: cluster, hamlets: [an-thanh], link: fm }
  - id: tan-lap
    name: "Xã Tân Lập"
    hamlets: [{ id: tan-hoa, name: "Thôn Tân Hòa" }]
    devices:
      - { id: tan-lap-c01, kind: cluster, hamlets: [tan-hoa], link: 4g, lat: 10.9, lon: 105.1, secret: "${HASH}" }
`,
      'an-giang.yaml',
    ),
  },
]);

function errorOf(text: string, withInventory = true): string {
  try {
    parseScenario(text, 'scn.yaml', withInventory ? inventory : undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    return (error as Error).message;
  }
  throw new Error('the scenario was accepted');
}

describe('scenario files', () => {
  it('durations are 250ms, 30s, 5m, 1.5h or a number of seconds', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('30s'),
      parseDuration('5m'),
      parseDuration('1.5h'),
    ]).toEqual([250, 30_000, 300_000, 5_400_000]);
    expect(parseDuration(2.5)).toBe(2500);
    expect(parseDuration('-2m')).toBe(-120_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5 min')).toBeUndefined();
  });

  it('the documented example fits the province `loa simulate generate` makes by default', async () => {
    const text = await readFile(new URL('../docs/examples/scenario.yaml', import.meta.url), 'utf8');
    const generated = await generateProvince({
      provinceId: 'an-giang',
      provinceName: 'An Giang',
      communes: 3,
      hamletsPerCommune: 4,
      clustersPerHamlet: 2,
      fmShare: 0.1,
      stations: true,
      seed: 1,
      heartbeatS: 10,
    });
    const province = Inventory.fromFiles([
      { file: 'an-giang.yaml', content: inventoryFileSchema.parse(generated.inventory) },
    ]);
    const s = parseScenario(text, 'scenario.yaml', province);
    expect(s.duration).toBeGreaterThan(0);
    expect(new Set(s.faults.map((f) => f.kind))).toEqual(
      new Set([
        'power_cut',
        'link_drop',
        'flapping',
        'amp_fault',
        'relay_trip',
        'clock_skew',
        'malformed',
        'impersonate',
      ]),
    );
    expect(s.bulletins.length).toBeGreaterThan(0);
    expect(s.random.length).toBeGreaterThan(0);
  });

  it('a scripted fault: when, what, how long, where; defaults for the rest', () => {
    const s = parseScenario(
      'faults:\n  - { at: 90s, kind: power_cut, for: 10m, target: { commune: vinh-an, kind: cluster, pick: 1 } }\n',
      'scn.yaml',
      inventory,
    );
    expect(s.faults).toEqual([
      {
        at: 90_000,
        kind: 'power_cut',
        for: 600_000,
        battery: 0,
        target: { commune: 'vinh-an', kind: 'cluster', pick: 1 },
      },
    ]);
    expect(s).toMatchObject({ bulletins: [], random: [] });
  });

  it('mistakes name the file, the line and the field', () => {
    expect(errorOf('faults:\n  - at: 2s\n    kind: power_cut\n    for: soon\n')).toBe(
      'scn.yaml:4: faults[0].for: must be a duration such as 30s, 5m, 1h or 250ms (a plain number is seconds)',
    );
    expect(errorOf('faults:\n  - at: 2s\n    kind: link_drop\n')).toBe(
      'scn.yaml:2: faults[0].for: is required',
    );
    expect(errorOf('faults:\n  - { at: 2s, kind: powercut }\n')).toMatch(
      /^scn\.yaml:2: faults\[0\]\.kind: .*'power_cut'/,
    );
    expect(errorOf('faults:\n  - { at: 1s, kind: amp_fault, for: 5s, volts: 300 }\n')).toMatch(
      /^scn\.yaml:2: faults\[0\]: Unrecognized key: "volts"/,
    );
    expect(errorOf('faults: []\nrandom:\n  - { kind: link_drop, every: 0s, for: 5s }\n')).toBe(
      'scn.yaml:3: random[0].every: must be longer than 0',
    );
    expect(errorOf('duration: 1m\nbogus: 1\n')).toMatch(/^scn\.yaml:1: Unrecognized key: "bogus"/);
    expect(errorOf('faults: [\n')).toMatch(/^scn\.yaml:\d+: YAML: /);
  });

  it('targets and communes are checked against the inventory', () => {
    expect(
      errorOf('faults:\n  - at: 1s\n    kind: link_drop\n    for: 5s\n    target: { device: vinh-an-c09 }\n'),
    ).toBe('scn.yaml:5: faults[0].target.device: "vinh-an-c09" is not a monitored device of the inventory');
    // An FM receiver cannot report, so it cannot be made to fail either.
    expect(
      errorOf('faults:\n  - { at: 1s, kind: amp_fault, for: 5s, target: { device: vinh-an-fm03 } }\n'),
    ).toMatch(/target\.device: "vinh-an-fm03" is not a monitored device/);
    expect(
      errorOf('faults:\n  - { at: 1s, kind: amp_fault, for: 5s, target: { commune: vinh-an, pick: 4 } }\n'),
    ).toBe('scn.yaml:2: faults[0].target.pick: picks 4 of the 3 devices it matches');
    expect(errorOf('faults:\n  - { at: 1s, kind: amp_fault, for: 5s, target: { hamlet: an-hoa } }\n')).toBe(
      'scn.yaml:2: faults[0].target.hamlet: a hamlet needs its commune',
    );
    expect(
      errorOf(
        'faults:\n  - { at: 1s, kind: amp_fault, for: 5s, target: { commune: tan-lap, kind: station } }\n',
      ),
    ).toBe('scn.yaml:2: faults[0].target: matches no monitored device of the inventory');
    expect(errorOf('bulletins:\n  - { at: 1s, commune: tan-lap, fail: 1 }\n')).toBe(
      "scn.yaml:2: bulletins[0].fail: must leave at least one of the commune's 1 monitored clusters playing",
    );
    expect(errorOf('bulletins:\n  - { at: 1s, commune: nowhere }\n')).toBe(
      'scn.yaml:2: bulletins[0].commune: "nowhere" is not a commune of the inventory',
    );
  });

  it('a target is every filter at once: devices, communes, a hamlet, a box, a kind', () => {
    const ids = (t: Parameters<typeof matchTarget>[1]) => matchTarget(inventory, t).map((d) => d.device);
    expect(ids({})).toEqual(['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01']);
    expect(ids({ commune: 'vinh-an', hamlet: 'an-thanh' })).toEqual(['vinh-an-c02']);
    expect(ids({ communes: ['tan-lap', 'vinh-an'], kind: 'cluster' })).toEqual([
      'vinh-an-c01',
      'vinh-an-c02',
      'tan-lap-c01',
    ]);
    // A region: the station has no position, so it is outside every box.
    expect(ids({ box: { south: 10.3, north: 10.5, west: 105.4, east: 105.5 } })).toEqual([
      'vinh-an-c01',
      'vinh-an-c02',
    ]);
  });
});
