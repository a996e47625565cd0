import type { UnitType } from '../protocol/index.js';
import { AN_GIANG_DISTRICTS, AN_GIANG_UNITS, type AnGiangDistrict } from './an-giang-units.js';
import type { ProvinceSpec } from './generate.js';

/**
 * The merged An Giang province (An Giang and Kiên Giang, 2025): 102 commune-level units, from Thổ
 * Châu and Phú Quốc in the Gulf of Thailand to the Hậu river. Its box is mostly sea or the other bank:
 * each unit is placed in the land box of the district it was formed in (an-giang-units.ts).
 */
export const AN_GIANG_MERGED_BOUNDS = { minLat: 9.25, maxLat: 10.95, minLon: 103.4, maxLon: 105.55 } as const;

/** The former districts of Kiên Giang: their phường call their hamlets "khu phố", not "khóm". */
const KIEN_GIANG_CITIES: ReadonlySet<AnGiangDistrict> = new Set(['rach-gia', 'ha-tien']);

function unitType(name: string): UnitType {
  if (name.startsWith('Phường ')) return 'phuong';
  if (name.startsWith('Đặc khu ')) return 'dac_khu';
  return 'xa';
}

/**
 * Assumption: 4–8 hamlets (ấp, khóm, khu phố) for each unit merged in. The communes of the delta had a
 * handful each before the merger (Tân An 7 ấp, Vĩnh An 3: domain sheet §6), a merged xã joins 2–4 of
 * them, and a unit left as it was keeps its own 4–8. Hamlet names are drawn, not the real ones.
 */
function hamletsOf(formerly: readonly string[]): [number, number] {
  const joined = Math.max(1, formerly.length);
  return [4 * joined, 8 * joined];
}

const AN_GIANG_SPEC_UNITS = AN_GIANG_UNITS.map((u) => {
  const unit = unitType(u.name);
  return {
    name: u.name,
    unit,
    formerly: [...u.formerly],
    bounds: { ...AN_GIANG_DISTRICTS[u.district] },
    hamlets: hamletsOf(u.formerly),
    hamletPrefix:
      unit !== 'phuong'
        ? ('Ấp' as const)
        : KIEN_GIANG_CITIES.has(u.district)
          ? ('Khu phố' as const)
          : ('Khóm' as const),
  };
});

/**
 * Named province shapes for `loa simulate generate --preset` (and `simulation.preset` of `loa up`).
 * Figures not in any source are assumptions, said so beside them.
 */
export const PROVINCE_PRESETS = {
  'an-giang': {
    provinceId: 'an-giang',
    provinceName: 'An Giang',
    // NQ 1654/NQ-UBTVQH15: 85 xã, 14 phường, 3 đặc khu (domain sheet §6).
    communes: AN_GIANG_SPEC_UNITS.length,
    units: AN_GIANG_SPEC_UNITS,
    // Unused: every unit says its own hamlet count.
    hamletsPerCommune: [4, 8],
    // Assumption: one loudspeaker cluster per hamlet, the least that covers it ("hệ thống loa đến các
    // ấp"); with about 1,800 hamlets that keeps the fleet near the 1,900 devices benchmarks were run on.
    clustersPerHamlet: [1, 1],
    // Assumption: IP stations were 21 % of the country's in 2023 (domain sheet §4) and new ones are IP,
    // so a southern province in 2026 still has about a third of its clusters on FM.
    fmShare: 0.3,
    stations: true,
    hamletPrefix: 'Ấp',
    bounds: AN_GIANG_MERGED_BOUNDS,
  },
} as const satisfies Record<string, Omit<ProvinceSpec, 'seed' | 'heartbeatS'>>;

export type ProvincePreset = keyof typeof PROVINCE_PRESETS;
export const PRESET_NAMES = Object.keys(PROVINCE_PRESETS) as [ProvincePreset, ...ProvincePreset[]];

/** A preset's spec with the caller's seed and heartbeat interval. */
export function presetSpec(
  name: string,
  { seed, heartbeatS }: { seed: number; heartbeatS: number },
): ProvinceSpec {
  if (!Object.hasOwn(PROVINCE_PRESETS, name)) {
    throw new RangeError(`unknown province preset "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  }
  const preset = PROVINCE_PRESETS[name as ProvincePreset];
  return {
    ...preset,
    hamletsPerCommune: [...preset.hamletsPerCommune],
    clustersPerHamlet: [...preset.clustersPerHamlet],
    units: preset.units.map((u) => ({
      ...u,
      formerly: [...u.formerly],
      bounds: { ...u.bounds },
      hamlets: [...u.hamlets],
    })),
    seed,
    heartbeatS,
  };
}
