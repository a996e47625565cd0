import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadInventory, parseInventoryFile, InventoryError } from './inventory-load.js';
import {
  inventoryFileSchema,
  INVENTORY_LINKS,
  MONITORED_LINKS,
  UNMONITORED_LINKS,
} from './inventory-schema.js';
import { DEFAULT_HEARTBEAT_S, Inventory } from './inventory.js';
import { hashSecret, newMachineSecret } from './secret.js';

let HASH = '';
beforeAll(async () => {
  HASH = await hashSecret('s3cret', { N: 1024, r: 8, p: 1 });
});

/** A province file as docs/inventory.md shows it; line numbers matter to the tests below. */
function anGiang(hash = HASH): string {
  return `province: { id: an-giang, name: "An Giang" }
timezone: Asia/Ho_Chi_Minh
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    schedule: ["05:00-06:00", "17:00-18:00"]
    hamlets:
      - { id: an-hoa, name: "Ấp An Hòa" }
      - { id: an-thanh, name: "Ấp An Thạnh" }
    devices:
      - { id: vinh-an-station, kind: station, link: ethernet, secret: "${hash}" }
      - id: vinh-an-c01
        kind: cluster
        hamlets: [an-hoa]
        link: 4g
        lat: 10.38
        lon: 105.43
        heartbeat_s: 30
        secret: "${hash}"
      - { id: vinh-an-fm02, kind: cluster, hamlets: [an-thanh], link: fm }
  - id: nui-sap
    name: "Thị trấn Núi Sập"
    hamlets:
      - { id: dong-hoa, name: "Ấp Đông Hòa" }
    devices:
      - { id: nui-sap-c01, kind: cluster, hamlets: [dong-hoa], link: wifi, secret: "${hash}" }
`;
}

/** Replaces line `n` (1-based) of the valid file. */
function withLine(n: number, replace: (line: string) => string): string {
  const lines = anGiang().split('\n');
  lines[n - 1] = replace(lines[n - 1] ?? '');
  return lines.join('\n');
}

function problemsOf(text: string, file = 'an-giang.yaml') {
  try {
    parseInventoryFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(InventoryError);
    return error as InventoryError;
  }
  throw new Error('the file was accepted');
}

describe('parseInventoryFile: a valid province', () => {
  it('reads the file of docs/inventory.md', () => {
    const file = parseInventoryFile(anGiang(), 'an-giang.yaml');
    expect(file.province).toEqual({ id: 'an-giang', name: 'An Giang' });
    expect(file.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(file.communes.map((c) => c.id)).toEqual(['vinh-an', 'nui-sap']);
    const [vinhAn, nuiSap] = file.communes;
    expect(vinhAn?.schedule).toEqual([
      { text: '05:00-06:00', startMin: 300, endMin: 360 },
      { text: '17:00-18:00', startMin: 1020, endMin: 1080 },
    ]);
    expect(vinhAn?.devices.map((d) => d.id)).toEqual(['vinh-an-station', 'vinh-an-c01', 'vinh-an-fm02']);
    expect(vinhAn?.devices[0]?.hamlets).toEqual([]);
    expect(vinhAn?.devices[1]).toMatchObject({ lat: 10.38, lon: 105.43, heartbeat_s: 30, secret: HASH });
    expect(nuiSap?.schedule).toEqual([]);
  });

  it('defaults the time zone, the schedule and the devices', () => {
    const file = parseInventoryFile(
      'province: { id: p, name: P }\ncommunes:\n  - { id: c, name: C, hamlets: [{ id: h, name: H }] }\n',
      'p.yaml',
    );
    expect(file.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(file.communes[0]).toMatchObject({ schedule: [], devices: [] });
  });

  it.each(['00:00-24:00', '23:59-24:00', '05:00-05:01'])('accepts the window %s', (window) => {
    expect(() =>
      parseInventoryFile(
        withLine(6, () => `    schedule: ["${window}"]`),
        'x.yaml',
      ),
    ).not.toThrow();
  });

  it('accepts any IANA zone, aliases included', () => {
    expect(
      parseInventoryFile(
        withLine(2, () => 'timezone: Asia/Saigon'),
        'x.yaml',
      ).timezone,
    ).toBe('Asia/Saigon');
  });

  it('reads unit types, former names, an FM or wired station and the criterion merged over the default', () => {
    const text = anGiang()
      .replace(
        'timezone: Asia/Ho_Chi_Minh',
        'timezone: Asia/Ho_Chi_Minh\ncriterion: { riskGraceS: 3600, appliesTo: [xa, dac_khu] }',
      )
      .replace(
        '    name: "Xã Vĩnh An"',
        '    name: "Xã Vĩnh An"\n    unit: xa\n    formerly: ["Xã Vĩnh An", "Xã Tân Hòa"]',
      )
      .replace(
        /- \{ id: vinh-an-station, kind: station, link: ethernet, secret: "[^"]+" \}/,
        '- { id: vinh-an-station, kind: station, link: wired }',
      )
      .replace('    name: "Thị trấn Núi Sập"', '    name: "Phường Núi Sập"\n    unit: phuong');
    const inventory = Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(text, 'a.yaml') }]);
    const [vinhAn, nuiSap] = inventory.province('an-giang')?.communes ?? [];
    expect(vinhAn).toMatchObject({ unit: 'xa', formerly: ['Xã Vĩnh An', 'Xã Tân Hòa'] });
    expect(nuiSap).toMatchObject({ unit: 'phuong', formerly: [] });
    expect(inventory.device('vinh-an-station')).toMatchObject({
      kind: 'station',
      link: 'wired',
      monitored: false,
    });
    expect(inventory.province('an-giang')?.criterion).toMatchObject({
      number: '8.3',
      riskGraceS: 3600,
      appliesTo: ['xa', 'dac_khu'],
      hamletShare: 1,
    });
  });

  it('knows which links report', () => {
    expect([...MONITORED_LINKS]).toEqual(['4g', 'ethernet', 'wifi']);
    expect([...UNMONITORED_LINKS]).toEqual(['fm', 'wired']);
    expect([...INVENTORY_LINKS]).toEqual([...MONITORED_LINKS, ...UNMONITORED_LINKS]);
  });
});

describe('parseInventoryFile: each kind of invalid file names the file, the line and the path', () => {
  const cases: [string, () => string, { line: number | undefined; path: string; message: RegExp }][] = [
    [
      'a criterion share above 100 %',
      () => withLine(2, (l) => `${l}\ncriterion: { number: "7.4", hamletShare: 1.5 }`),
      { line: 3, path: 'criterion.hamletShare', message: /not above 100 %/ },
    ],
    [
      'a unit type that does not exist',
      () => withLine(5, (l) => `${l}\n    unit: thi_tran`),
      { line: 6, path: 'communes[0].unit', message: /xa|phuong|dac_khu/ },
    ],
    [
      'a commune id that is not a slug',
      () => withLine(4, () => '  - id: Vinh-An'),
      { line: 4, path: 'communes[0].id', message: /lowercase slug/ },
    ],
    [
      'a device id that is not a slug',
      () => withLine(12, () => '      - id: vinh_an_c01'),
      { line: 12, path: 'communes[0].devices[1].id', message: /lowercase slug/ },
    ],
    [
      'a province id with Vietnamese letters',
      () => withLine(1, () => 'province: { id: an-giang-đ, name: "An Giang" }'),
      { line: 1, path: 'province.id', message: /lowercase slug/ },
    ],
    [
      'a hamlet id that starts with a dash',
      () => withLine(24, (l) => l.replace('dong-hoa', '-dong-hoa')),
      { line: 24, path: 'communes[1].hamlets[0].id', message: /lowercase slug/ },
    ],
    [
      'a duplicate hamlet',
      () => withLine(9, () => '      - { id: an-hoa, name: "Ấp An Hòa 2" }'),
      { line: 9, path: 'communes[0].hamlets[1].id', message: /duplicate "an-hoa"/ },
    ],
    [
      'a duplicate commune',
      () => withLine(21, () => '  - id: vinh-an'),
      { line: 21, path: 'communes[1].id', message: /duplicate "vinh-an"/ },
    ],
    [
      'a device serving a hamlet of another commune',
      () => withLine(14, () => '        hamlets: [an-hoa, dong-hoa]'),
      {
        line: 14,
        path: 'communes[0].devices[1].hamlets[1]',
        message: /"dong-hoa" is not a hamlet of commune vinh-an/,
      },
    ],
    [
      'a monitored device without a secret (the line of the device)',
      () => withLine(19, () => ''),
      { line: 12, path: 'communes[0].devices[1].secret', message: /is required for a device on a 4g link/ },
    ],
    [
      'an FM device with a secret',
      () => withLine(20, (l) => l.replace(' }', `, secret: "${HASH}" }`)),
      { line: 20, path: 'communes[0].devices[2].secret', message: /fm device cannot report/ },
    ],
    [
      'a plain-text secret',
      () => withLine(11, (l) => l.replace(HASH, 'hunter2')),
      { line: 11, path: 'communes[0].devices[0].secret', message: /never put a plain secret/ },
    ],
    [
      'a window that ends before it starts',
      () => withLine(6, () => '    schedule: ["05:00-06:00", "17:00-16:00"]'),
      { line: 6, path: 'communes[0].schedule[1]', message: /must end after it starts/ },
    ],
    [
      'an empty window',
      () => withLine(6, () => '    schedule: ["05:00-05:00"]'),
      { line: 6, path: 'communes[0].schedule[0]', message: /must end after it starts/ },
    ],
    [
      'a window without leading zeros',
      () => withLine(6, () => '    schedule: ["5:00-6:00"]'),
      { line: 6, path: 'communes[0].schedule[0]', message: /is not a window such as "05:00-06:00"/ },
    ],
    [
      'a window past midnight',
      () => withLine(6, () => '    schedule: ["23:00-24:30"]'),
      { line: 6, path: 'communes[0].schedule[0]', message: /on the same day/ },
    ],
    [
      'a bad time zone',
      () => withLine(2, () => 'timezone: Asia/Vinh_An'),
      { line: 2, path: 'timezone', message: /is not an IANA time zone/ },
    ],
    [
      'an unknown key in a commune',
      () => withLine(5, (l) => `${l}\n    population: 12000`),
      { line: 4, path: 'communes[0]', message: /Unrecognized key: "population"/ },
    ],
    [
      'an unknown top-level key',
      () => `${anGiang()}owner: "Sở TT&TT"\n`,
      { line: 1, path: '', message: /Unrecognized key: "owner"/ },
    ],
    [
      'an unknown device kind',
      () => withLine(13, () => '        kind: speaker'),
      { line: 13, path: 'communes[0].devices[1].kind', message: /station/ },
    ],
    [
      'an unknown link',
      () => withLine(15, () => '        link: lte'),
      { line: 15, path: 'communes[0].devices[1].link', message: /4g/ },
    ],
    [
      'a latitude out of range',
      () => withLine(16, () => '        lat: 100'),
      { line: 16, path: 'communes[0].devices[1].lat', message: /90/ },
    ],
    [
      'a heartbeat interval too short',
      () => withLine(18, () => '        heartbeat_s: 1'),
      { line: 18, path: 'communes[0].devices[1].heartbeat_s', message: /5/ },
    ],
    [
      'a cluster serving no hamlet',
      () => withLine(14, () => '        hamlets: []'),
      { line: 14, path: 'communes[0].devices[1].hamlets', message: /at least one hamlet/ },
    ],
    [
      'a commune without hamlets',
      () =>
        anGiang().replace('    hamlets:\n      - { id: dong-hoa, name: "Ấp Đông Hòa" }', '    hamlets: []'),
      { line: 23, path: 'communes[1].hamlets', message: /at least one hamlet/ },
    ],
    [
      'a missing province (the line of the parent)',
      () => anGiang().replace(/^province:.*\n/, ''),
      { line: 1, path: 'province', message: /expected object/ },
    ],
    [
      'an empty name',
      () => withLine(5, () => '    name: "  "'),
      { line: 5, path: 'communes[0].name', message: /1/ },
    ],
    [
      'a YAML syntax error',
      () => withLine(8, () => '      - { id: an-hoa, name: "Ấp An Hòa"'),
      { line: 9, path: '', message: /^YAML: / },
    ],
    [
      'a key given twice',
      () => withLine(5, (l) => `${l}\n    name: "Xã Vĩnh An 2"`),
      { line: 6, path: '', message: /^YAML: .*[Mm]ap keys must be unique/ },
    ],
  ];

  it.each(cases)('%s', (_what, text, expected) => {
    const error = problemsOf(text());
    expect(error.file).toBe('an-giang.yaml');
    expect(error.problems).toContainEqual({
      path: expected.path,
      line: expected.line,
      message: expect.stringMatching(expected.message) as unknown,
    });
    const prefix = `an-giang.yaml${expected.line === undefined ? '' : `:${expected.line}`}: ${expected.path ? `${expected.path}: ` : ''}`;
    expect(error.message.split('\n').some((l) => l.startsWith(prefix))).toBe(true);
  });

  it('reports an empty file as one problem at the root', () => {
    const error = problemsOf('');
    expect(error.problems).toEqual([
      { path: '', line: undefined, message: expect.stringMatching(/expected object/) as unknown },
    ]);
  });

  it('reports several problems at once', () => {
    const text = withLine(4, () => '  - id: Vinh-An').replace(
      'timezone: Asia/Ho_Chi_Minh',
      'timezone: Nowhere/City',
    );
    expect(problemsOf(text).problems.map((p) => p.path)).toEqual(['timezone', 'communes[0].id']);
  });
});

describe('Inventory', () => {
  let inventory: Inventory;
  beforeAll(() => {
    inventory = Inventory.fromFiles([
      { file: 'an-giang.yaml', content: parseInventoryFile(anGiang(), 'an-giang.yaml') },
    ]);
  });

  it('looks devices up by id, with their place', () => {
    expect(inventory.deviceCount).toBe(4);
    expect([...inventory.allDevices()].map((d) => d.device)).toEqual([
      'vinh-an-station',
      'vinh-an-c01',
      'vinh-an-fm02',
      'nui-sap-c01',
    ]);
    expect(inventory.device('vinh-an-c01')).toEqual({
      province: 'an-giang',
      commune: 'vinh-an',
      device: 'vinh-an-c01',
      kind: 'cluster',
      link: '4g',
      monitored: true,
      hamlets: ['an-hoa'],
      heartbeatS: 30,
      secretHash: HASH,
      lat: 10.38,
      lon: 105.43,
    });
    expect(inventory.device('nope')).toBeUndefined();
  });

  it('marks FM devices unmonitored and defaults the heartbeat interval', () => {
    const fm = inventory.device('vinh-an-fm02');
    expect(fm).toMatchObject({ monitored: false, heartbeatS: DEFAULT_HEARTBEAT_S });
    expect(fm).not.toHaveProperty('secretHash');
    expect(DEFAULT_HEARTBEAT_S).toBe(60);
  });

  it('looks provinces and communes up', () => {
    expect(inventory.province('an-giang')).toMatchObject({
      name: 'An Giang',
      timezone: 'Asia/Ho_Chi_Minh',
      file: 'an-giang.yaml',
    });
    expect(inventory.commune('an-giang', 'nui-sap')).toMatchObject({
      name: 'Thị trấn Núi Sập',
      province: 'an-giang',
      hamlets: [{ id: 'dong-hoa', name: 'Ấp Đông Hòa' }],
    });
    expect(inventory.commune('an-giang', 'nope')).toBeUndefined();
    expect(inventory.commune('nope', 'nui-sap')).toBeUndefined();
  });

  it('refuses a device id used twice in one file, with the line of the second (issue #14)', () => {
    const text = anGiang().replace('id: nui-sap-c01', 'id: vinh-an-c01');
    const line = text.split('\n').findIndex((l) => l.includes('nui-sap')) + 1;
    expect(() => parseInventoryFile(text, 'an-giang.yaml')).toThrow(
      /^an-giang\.yaml:\d+: communes\[1\]\.devices\[0\]\.id: duplicate device "vinh-an-c01" \(already in commune vinh-an\)/,
    );
    expect(line).toBeGreaterThan(0);
  });

  it('refuses a province defined in two files', () => {
    const content = parseInventoryFile(anGiang(), 'a.yaml');
    const other = inventoryFileSchema.parse({ province: { id: 'an-giang', name: 'An Giang' }, communes: [] });
    expect(() =>
      Inventory.fromFiles([
        { file: 'a.yaml', content },
        { file: 'b.yaml', content: other },
      ]),
    ).toThrow('b.yaml: province "an-giang" is already defined in a.yaml');
  });
});

describe('loadInventory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-inventory-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const dongThap = (deviceId = 'my-hoi-c01') => `province: { id: dong-thap, name: "Đồng Tháp" }
communes:
  - id: my-hoi
    name: "Xã Mỹ Hội"
    hamlets: [{ id: ap-1, name: "Ấp 1" }]
    devices:
      - { id: ${deviceId}, kind: cluster, hamlets: [ap-1], link: 4g, secret: "${HASH}" }
`;

  it('reads every .yaml and .yml file of the folder and ignores the rest', async () => {
    await writeFile(join(dir, 'an-giang.yaml'), anGiang());
    await writeFile(join(dir, 'dong-thap.yml'), dongThap());
    await writeFile(join(dir, 'README.md'), '# not a province');
    await writeFile(join(dir, 'old.yaml.bak'), 'not: [yaml');
    const inventory = await loadInventory(dir);
    expect(inventory.provinces.map((p) => p.id)).toEqual(['an-giang', 'dong-thap']);
    expect(inventory.deviceCount).toBe(5);
    expect(inventory.device('my-hoi-c01')).toMatchObject({ province: 'dong-thap', commune: 'my-hoi' });
    expect(inventory.province('dong-thap')?.file).toBe(join(dir, 'dong-thap.yml'));
  });

  it('stops on a criterion block with a share above 100 %, naming the field', async () => {
    await writeFile(
      join(dir, 'an-giang.yaml'),
      withLine(2, (l) => `${l}\ncriterion:\n  hamletShare: 1.2`),
    );
    const error = await loadInventory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as Error).message).toMatch(/an-giang\.yaml:4: criterion\.hamletShare: .*not above 100 %/);
  });

  it('stops on a bad file with its path and line', async () => {
    await writeFile(
      join(dir, 'an-giang.yaml'),
      withLine(11, (l) => l.replace(HASH, 'hunter2')),
    );
    const error = await loadInventory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as InventoryError).file).toBe(join(dir, 'an-giang.yaml'));
    expect((error as Error).message).toMatch(/an-giang\.yaml:11: communes\[0\]\.devices\[0\]\.secret: /);
  });

  it('refuses a device id used in two province files, naming the second file and the first place', async () => {
    await writeFile(join(dir, 'an-giang.yaml'), anGiang());
    await writeFile(join(dir, 'dong-thap.yaml'), dongThap('vinh-an-c01'));
    const error = await loadInventory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as Error).message).toContain(
      `${join(dir, 'dong-thap.yaml')}: device "vinh-an-c01" in dong-thap/my-hoi is already in an-giang/vinh-an`,
    );
  });

  it('names the file of a YAML alias bomb (issue #14)', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) {
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    }
    await writeFile(join(dir, 'bomb.yaml'), `${bomb.join('\n')}\n`);
    const error = await loadInventory(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryError);
    expect((error as Error).message).toMatch(/bomb\.yaml: YAML: .*alias/i);
  });

  it('refuses a name that is not valid UTF-8, with its line (issue #14)', async () => {
    const text = anGiang();
    const line = text.split('\n').findIndex((l) => l.includes('Ấp An Thạnh')) + 1;
    const bytes = Buffer.from(text.replace('Ấp An Thạnh', 'Ấp An Th\u0000nh'), 'utf8');
    bytes[bytes.indexOf(0)] = 0xff;
    await writeFile(join(dir, 'an-giang.yaml'), bytes);
    await expect(loadInventory(dir)).rejects.toThrow(
      `${join(dir, 'an-giang.yaml')}:${line}: not valid UTF-8 (save the file as UTF-8)`,
    );
  });

  it('refuses a secret hash whose scrypt cost would take seconds per login (issue #14)', async () => {
    const slow = await hashSecret('s3cret', { N: 1 << 17, r: 8, p: 1 });
    await writeFile(join(dir, 'an-giang.yaml'), anGiang().replace(`secret: "${HASH}"`, `secret: "${slow}"`));
    await expect(loadInventory(dir)).rejects.toThrow(
      /an-giang\.yaml:11: communes\[0\]\.devices\[0\]\.secret: is an scrypt cost too high to check at each login: N·r·p = 1048576, at most 524288/,
    );
  });

  // Issue #14, point 3: the fast format of `loa secret new`, recognised by its prefix, checked at load.
  it("takes a machine secret's fast hash, and refuses a damaged one with its file and line", async () => {
    const { hash } = newMachineSecret();
    await writeFile(join(dir, 'an-giang.yaml'), anGiang().replace(`secret: "${HASH}"`, `secret: "${hash}"`));
    const inventory = await loadInventory(dir);
    expect(inventory.device('vinh-an-station')?.secretHash).toBe(hash);
    await writeFile(
      join(dir, 'an-giang.yaml'),
      anGiang().replace(`secret: "${HASH}"`, `secret: "${hash.slice(0, -2)}"`),
    );
    await expect(loadInventory(dir)).rejects.toThrow(
      /an-giang\.yaml:11: communes\[0\]\.devices\[0\]\.secret: is not a hash from `loa secret new` \(hmac-sha256\$salt\$digest/,
    );
  });

  it('refuses an empty folder', async () => {
    await expect(loadInventory(dir)).rejects.toThrow(/no province file/);
  });

  it('refuses a folder that does not exist', async () => {
    await expect(loadInventory(join(dir, 'missing'))).rejects.toThrow(/cannot read the inventory folder/);
  });
});
