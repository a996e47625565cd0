import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Inventory,
  loadInventory,
  parseInventoryFile,
  verifySecret,
  type InventoryFileInput,
} from '../protocol/index.js';
import {
  AN_GIANG_BOUNDS,
  AN_GIANG_MERGED_BOUNDS,
  AN_GIANG_REGIONS,
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
    expect(text).toMatch(/loa secret hash/);
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

    // The plain secret matches the stored hash (spot check: scrypt at the cheap cost).
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
  });

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
  it('is the merged province: 102 communes on land inside it, unique slugs, loadable, deterministic', async () => {
    const preset = presetSpec('an-giang', { seed: 5, heartbeatS: 60 });
    // Deterministic by seed (checked on a slice of it: hashing two whole provinces takes seconds).
    const small = { ...preset, communes: 12 };
    const [a, b, c] = await Promise.all([
      generateProvince(preset),
      generateProvince(small),
      generateProvince(small),
    ]);
    expect(structure(b.inventory)).toEqual(structure(c.inventory));
    expect(structure(b.inventory).communes).toEqual(structure(a.inventory).communes.slice(0, 12));

    const dir = await mkdtemp(join(tmpdir(), 'loa-sim-'));
    dirs.push(dir);
    await writeProvince(dir, a);
    const inventory = await loadInventory(join(dir, 'inventory'));
    const province = inventory.province('an-giang');
    expect(province?.name).toBe('An Giang');
    expect(province?.communes).toHaveLength(102);
    const communeIds = province?.communes.map((c) => c.id) ?? [];
    expect(new Set(communeIds).size).toBe(102);

    const devices = [...inventory.allDevices()];
    expect(new Set(devices.map((d) => d.device)).size).toBe(devices.length);
    // A realistic share of clusters on FM: they cannot report, so they have no secret.
    const clusters = devices.filter((d) => d.kind === 'cluster');
    const fm = clusters.filter((d) => d.link === 'fm');
    expect(fm.length / clusters.length).toBeGreaterThan(0.2);
    expect(fm.length / clusters.length).toBeLessThan(0.4);
    expect(Object.keys(a.secrets).length).toBe(devices.length - fm.length);
    expect(devices.filter((d) => d.kind === 'station')).toHaveLength(102);

    const onLand = (lat: number, lon: number) =>
      AN_GIANG_REGIONS.some(
        ({ bounds: r }) =>
          // A cluster sits within a few kilometres of its commune's centre, which is on land.
          lat >= r.minLat - 0.03 &&
          lat <= r.maxLat + 0.03 &&
          lon >= r.minLon - 0.03 &&
          lon <= r.maxLon + 0.03,
      );
    for (const d of devices) {
      expect(d.lat).toBeGreaterThanOrEqual(AN_GIANG_MERGED_BOUNDS.minLat);
      expect(d.lat).toBeLessThanOrEqual(AN_GIANG_MERGED_BOUNDS.maxLat);
      expect(d.lon).toBeGreaterThanOrEqual(AN_GIANG_MERGED_BOUNDS.minLon);
      expect(d.lon).toBeLessThanOrEqual(AN_GIANG_MERGED_BOUNDS.maxLon);
      expect(onLand(d.lat ?? 0, d.lon ?? 0), d.device).toBe(true);
    }
    for (const c of province?.communes ?? []) {
      expect(c.name).toMatch(/^Xã /);
      expect(c.hamlets.length).toBeGreaterThanOrEqual(5);
      expect(c.hamlets.length).toBeLessThanOrEqual(12);
      // The south says "Ấp", never "Thôn".
      expect(c.hamlets.every((h) => h.name.startsWith('Ấp '))).toBe(true);
    }
    // Phú Quốc, the island, has communes too (a weighted draw over the land boxes).
    const island = AN_GIANG_REGIONS[4].bounds;
    expect(devices.some((d) => (d.lon ?? 0) < island.maxLon + 0.03)).toBe(true);
    // 1,363 scrypt hashes: seconds on a busy 2-core machine.
  }, 60_000);

  it('refuses a region outside the bounds', async () => {
    await expect(
      generateProvince({
        ...spec,
        regions: [{ bounds: { minLat: 20, maxLat: 21, minLon: 105, maxLon: 106 }, weight: 1 }],
      }),
    ).rejects.toThrow(/regions/);
  });
});
