import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  foldToSlug,
  Inventory,
  loadInventory,
  parseInventoryFile,
  verifySecret,
  type InventoryFileInput,
} from '../protocol/index.js';
import {
  AN_GIANG_BOUNDS,
  AN_GIANG_DISTRICTS,
  AN_GIANG_MERGED_BOUNDS,
  AN_GIANG_UNITS,
  generateProvince,
  presetSpec,
  writeProvince,
  type ProvinceSpec,
} from './index.js';

const spec: ProvinceSpec = {
  provinceId: 'an-giang',
  provinceName: 'An Giang',
  communes: 12,
  hamletsPerCommune: [2, 6],
  clustersPerHamlet: [0, 3],
  fmShare: 0.3,
  stations: true,
  seed: 42,
  heartbeatS: 60,
};

/** The inventory without secret hashes (salted, so never equal twice). */
function structure(inventory: InventoryFileInput) {
  return {
    ...inventory,
    communes: inventory.communes.map((c) => ({
      ...c,
      devices: c.devices?.map(({ secret, ...d }) => ({ ...d, hasSecret: secret !== undefined })),
    })),
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('generateProvince', () => {
  it('is deterministic from the seed, and another seed gives another province', async () => {
    const [a, b, c] = await Promise.all([
      generateProvince(spec),
      generateProvince(spec),
      generateProvince({ ...spec, seed: 43 }),
    ]);
    expect(structure(a.inventory)).toEqual(structure(b.inventory));
    expect(structure(a.inventory)).not.toEqual(structure(c.inventory));
    expect(Object.keys(a.secrets)).toEqual(Object.keys(b.secrets));
    expect(a.secrets).not.toEqual(b.secrets);
  });

  it('writes an inventory that passes the protocol validation, with secrets for monitored devices only', async () => {
    const generated = await generateProvince(spec);
    const dir = await mkdtemp(join(tmpdir(), 'loa-sim-'));
    dirs.push(dir);
    const { inventoryFile, secretsFile } = await writeProvince(dir, generated);
    expect(inventoryFile).toBe(join(dir, 'inventory', 'an-giang.yaml'));

    const text = await readFile(inventoryFile, 'utf8');
    expect(text).toMatch(/loa secret new/);
    const inventory = Inventory.fromFiles([
      { file: inventoryFile, content: parseInventoryFile(text, inventoryFile) },
    ]);
    const province = inventory.province('an-giang');
    expect(province?.communes).toHaveLength(12);

    const secrets = JSON.parse(await readFile(secretsFile, 'utf8')) as Record<string, string>;
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600);
    const devices = [...inventory.allDevices()];
    const monitored = devices.filter((d) => d.monitored);
    const fm = devices.filter((d) => d.link === 'fm');
    expect(fm.length).toBeGreaterThan(0);
    expect(fm.every((d) => d.secretHash === undefined && secrets[d.device] === undefined)).toBe(true);
    expect(Object.keys(secrets).sort()).toEqual(monitored.map((d) => d.device).sort());

    // Machine secrets, as `loa secret new` makes them: the plain secret matches its fast stored hash.
    expect(monitored.every((d) => d.secretHash?.startsWith('hmac-sha256$') === true)).toBe(true);
    const first = monitored[0];
    expect(first).toBeDefined();
    if (first) expect(await verifySecret(secrets[first.device] ?? '', first.secretHash ?? '')).toBe(true);

    for (const d of devices) {
      expect(d.lat).toBeGreaterThanOrEqual(AN_GIANG_BOUNDS.minLat);
      expect(d.lat).toBeLessThanOrEqual(AN_GIANG_BOUNDS.maxLat);
      expect(d.lon).toBeGreaterThanOrEqual(AN_GIANG_BOUNDS.minLon);
      expect(d.lon).toBeLessThanOrEqual(AN_GIANG_BOUNDS.maxLon);
    }
    for (const c of province?.communes ?? []) {
      expect(c.name).toMatch(/^Xã \S+ \S+/);
      expect(c.schedule.map((w) => w.text)).toEqual(['05:00-06:00', '11:30-12:00', '17:00-18:00']);
      expect(c.hamlets.every((h) => /^(Ấp|Thôn) /.test(h.name))).toBe(true);
      expect(c.devices.filter((d) => d.kind === 'station')).toHaveLength(1);
    }
  });

  it('folds Vietnamese names into slugs and keeps ids unique', async () => {
    const { inventory } = await generateProvince({
      ...spec,
      communes: 700,
      hamletsPerCommune: 1,
      clustersPerHamlet: 1,
    });
    const ids = inventory.communes.map((c) => c.id);
    expect(new Set(ids).size).toBe(700);
    const vinhAn = inventory.communes.find((c) => c.name === 'Xã Vĩnh An');
    expect(vinhAn?.id).toBe('vinh-an');
    // Past the pool of two-syllable names, names repeat with a number.
    expect(inventory.communes.some((c) => / 2$/.test(c.name) && c.id.endsWith('-2'))).toBe(true);
    const devices = inventory.communes.flatMap((c) => c.devices ?? []).map((d) => d.id);
    expect(new Set(devices).size).toBe(devices.length);
    expect(devices.every((id) => id.startsWith('an-giang-'))).toBe(true);
    // 700 communes' devices.
  }, 30_000);

  it('honours fmShare and stations at the extremes', async () => {
    const allFm = await generateProvince({ ...spec, fmShare: 1, stations: false, clustersPerHamlet: 1 });
    const devices = allFm.inventory.communes.flatMap((c) => c.devices ?? []);
    expect(devices.every((d) => d.link === 'fm' && d.kind === 'cluster')).toBe(true);
    expect(allFm.secrets).toEqual({});
    const noFm = await generateProvince({ ...spec, fmShare: 0 });
    expect(noFm.inventory.communes.flatMap((c) => c.devices ?? []).some((d) => d.link === 'fm')).toBe(false);
  });

  it('refuses a spec it cannot honour, naming the field', async () => {
    await expect(generateProvince({ ...spec, provinceId: 'An Giang' })).rejects.toThrow(/provinceId/);
    await expect(generateProvince({ ...spec, hamletsPerCommune: [5, 2] })).rejects.toThrow(
      /hamletsPerCommune/,
    );
  });
});

describe('the An Giang preset', () => {
  it('is the merged province of NQ 1654: 85 xã, 14 phường, 3 đặc khu with their real names, on land, loadable', async () => {
    const preset = presetSpec('an-giang', { seed: 5, heartbeatS: 60 });
    // Deterministic by seed (checked on a slice of it: hashing two whole provinces takes seconds).
    const small = { ...preset, communes: 12, units: preset.units?.slice(0, 12) };
    const [a, b, c] = await Promise.all([
      generateProvince(preset),
      generateProvince(small),
      generateProvince(small),
    ]);
    expect(structure(b.inventory)).toEqual(structure(c.inventory));

    const dir = await mkdtemp(join(tmpdir(), 'loa-sim-'));
    dirs.push(dir);
    await writeProvince(dir, a);
    const inventory = await loadInventory(join(dir, 'inventory'));
    const province = inventory.province('an-giang');
    expect(province?.name).toBe('An Giang');
    const communes = province?.communes ?? [];
    expect(communes).toHaveLength(102);
    const byUnit = (unit: string) => communes.filter((c) => c.unit === unit).map((c) => c.name);
    expect(byUnit('xa')).toHaveLength(85);
    expect(byUnit('phuong')).toHaveLength(14);
    expect(byUnit('dac_khu')).toEqual(['Đặc khu Kiên Hải', 'Đặc khu Phú Quốc', 'Đặc khu Thổ Châu']);
    // Real names in their real role: Long Xuyên is a phường, never a xã.
    expect(byUnit('phuong')).toContain('Phường Long Xuyên');
    expect(communes.some((c) => c.name === 'Xã Long Xuyên')).toBe(false);
    for (const c of communes) expect(c.name).toMatch(/^(Xã|Phường|Đặc khu) \S/);
    // Ids are the names folded, without the unit word; all different.
    expect(new Set(communes.map((c) => c.id)).size).toBe(102);
    const find = (name: string) => communes.find((c) => c.name === name);
    expect(find('Xã Vĩnh Thạnh Trung')?.id).toBe('vinh-thanh-trung');
    expect(find('Đặc khu Phú Quốc')?.id).toBe('phu-quoc');
    // What each was formed from, where the resolution says; the six unmerged xã have none.
    expect(find('Xã Khánh Bình')?.formerly).toEqual(['Thị trấn Long Bình', 'Xã Khánh An', 'Xã Khánh Bình']);
    const unmerged = ['Mỹ Hòa Hưng', 'Bình Giang', 'Bình Sơn', 'Hòn Nghệ', 'Sơn Hải', 'Tiên Hải'];
    expect(communes.filter((c) => c.formerly.length === 0).map((c) => c.name.slice(3))).toEqual(unmerged);
    expect(communes.filter((c) => c.unit === 'xa' && c.formerly.length > 4)).toHaveLength(1); // Giồng Riềng

    const devices = [...inventory.allDevices()];
    expect(new Set(devices.map((d) => d.device)).size).toBe(devices.length);
    expect(devices.every((d) => d.device.startsWith(`an-giang-${d.commune}-`))).toBe(true);
    // A realistic share of clusters on FM: they cannot report, so they have no secret.
    const clusters = devices.filter((d) => d.kind === 'cluster');
    const fm = clusters.filter((d) => d.link === 'fm');
    expect(fm.length / clusters.length).toBeGreaterThan(0.2);
    expect(fm.length / clusters.length).toBeLessThan(0.4);
    expect(Object.keys(a.secrets).length).toBe(devices.length - fm.length);
    expect(devices.filter((d) => d.kind === 'station')).toHaveLength(102);
    // About the fleet the benchmarks were sized on (1,892 devices, 1,363 monitored).
    expect(devices.length).toBeGreaterThan(1500);
    expect(devices.length).toBeLessThan(2300);

    // Every device in the land box of its unit's former district (islands on their island).
    const unitOf = new Map(
      AN_GIANG_UNITS.map((u) => [foldToSlug(u.name.replace(/^(Xã|Phường|Đặc khu) /, '')), u]),
    );
    for (const d of devices) {
      const box = AN_GIANG_DISTRICTS[unitOf.get(d.commune)?.district ?? 'phu-quoc'];
      expect(unitOf.has(d.commune), d.device).toBe(true);
      expect(d.lat, d.device).toBeGreaterThanOrEqual(box.minLat);
      expect(d.lat, d.device).toBeLessThanOrEqual(box.maxLat);
      expect(d.lon, d.device).toBeGreaterThanOrEqual(box.minLon);
      expect(d.lon, d.device).toBeLessThanOrEqual(box.maxLon);
    }
    const thoChau = devices.filter((d) => d.commune === 'tho-chau');
    expect(thoChau.every((d) => (d.lat ?? 0) < 9.31 && (d.lon ?? 0) < 103.5)).toBe(true);
    for (const box of Object.values(AN_GIANG_DISTRICTS)) {
      expect(box.minLat).toBeGreaterThanOrEqual(AN_GIANG_MERGED_BOUNDS.minLat);
      expect(box.maxLon).toBeLessThanOrEqual(AN_GIANG_MERGED_BOUNDS.maxLon);
    }

    // Hamlets: "Ấp" in xã and đặc khu, "Khóm" or "Khu phố" in phường; 4–8 per unit merged in.
    for (const c of communes) {
      const joined = Math.max(1, c.formerly.length);
      expect(c.hamlets.length, c.name).toBeGreaterThanOrEqual(4 * joined);
      expect(c.hamlets.length, c.name).toBeLessThanOrEqual(8 * joined);
      const word = c.unit === 'phuong' ? /^(Khóm|Khu phố) / : /^Ấp /;
      expect(
        c.hamlets.every((h) => word.test(h.name)),
        c.name,
      ).toBe(true);
    }
    expect(find('Phường Rạch Giá')?.hamlets[0]?.name).toMatch(/^Khu phố /);
    expect(find('Phường Long Xuyên')?.hamlets[0]?.name).toMatch(/^Khóm /);
    // 1,300-odd devices.
  }, 60_000);

  it('refuses two communes folding to one id, naming it', async () => {
    const bounds = { minLat: 10, maxLat: 10.1, minLon: 105, maxLon: 105.1 };
    await expect(
      generateProvince({
        ...spec,
        communes: 2,
        units: [
          { name: 'Xã Tân Thạnh', unit: 'xa', bounds },
          { name: 'Phường Tân Thành', unit: 'phuong', bounds },
        ],
      }),
    ).rejects.toThrow('two communes fold to the id "tan-thanh" (one is "Phường Tân Thành")');
  });

  it('refuses a region outside the bounds', async () => {
    await expect(
      generateProvince({
        ...spec,
        regions: [{ bounds: { minLat: 20, maxLat: 21, minLon: 105, maxLon: 106 }, weight: 1 }],
      }),
    ).rejects.toThrow(/regions/);
  });
});
