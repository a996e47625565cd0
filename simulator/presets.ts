import type { ProvinceSpec } from './generate.js';

/**
 * The merged An Giang province (An Giang and Kiên Giang, 2025): 102 commune-level units. Its outer box
 * runs from Phú Quốc in the Gulf of Thailand to the Hậu river, most of it sea or the other bank, so
 * commune centres are drawn from land boxes instead, weighted roughly by where the communes are.
 */
export const AN_GIANG_MERGED_BOUNDS = { minLat: 9.5, maxLat: 10.95, minLon: 103.85, maxLon: 105.55 } as const;

export const AN_GIANG_REGIONS = [
  // The old An Giang: Châu Đốc, Tân Châu, Long Xuyên, Tri Tôn, Tịnh Biên, Chợ Mới.
  { bounds: { minLat: 10.2, maxLat: 10.95, minLon: 104.85, maxLon: 105.55 }, weight: 0.5 },
  // Hà Tiên, Kiên Lương, Hòn Đất (inland of the coast).
  { bounds: { minLat: 10.2, maxLat: 10.42, minLon: 104.5, maxLon: 104.95 }, weight: 0.12 },
  // Rạch Giá's hinterland: Tân Hiệp, Châu Thành, Giồng Riềng, Gò Quao.
  { bounds: { minLat: 9.75, maxLat: 10.15, minLon: 105.1, maxLon: 105.5 }, weight: 0.22 },
  // An Biên, An Minh, U Minh Thượng, Vĩnh Thuận.
  { bounds: { minLat: 9.5, maxLat: 9.85, minLon: 104.95, maxLon: 105.35 }, weight: 0.14 },
  // Phú Quốc.
  { bounds: { minLat: 10.05, maxLat: 10.4, minLon: 103.9, maxLon: 104.05 }, weight: 0.02 },
] as const;

/**
 * Named province shapes for `loa simulate generate --preset` (and `simulation.preset` of `loa up`).
 * Figures not in any source are assumptions, said so beside them.
 */
export const PROVINCE_PRESETS = {
  'an-giang': {
    provinceId: 'an-giang',
    provinceName: 'An Giang',
    // After the 2025 merger (domain sheet §4).
    communes: 102,
    // Assumption: merged communes of about 48,000 people (4.95 M / 102) hold 5 to 12 ấp.
    hamletsPerCommune: [5, 12],
    // Assumption, from the 10–100+ clusters per commune seen elsewhere (25 for 8 ấp in Châu Bình).
    clustersPerHamlet: [1, 3],
    // Assumption: IP stations were 21 % of the country's in 2023 (domain sheet §4) and new ones are IP,
    // so a southern province in 2026 still has about a third of its clusters on FM.
    fmShare: 0.3,
    stations: true,
    hamletPrefix: 'Ấp',
    bounds: AN_GIANG_MERGED_BOUNDS,
    regions: AN_GIANG_REGIONS.map((r) => ({ bounds: { ...r.bounds }, weight: r.weight })),
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
    regions: preset.regions.map((r) => ({ bounds: { ...r.bounds }, weight: r.weight })),
    seed,
    heartbeatS,
  };
}
