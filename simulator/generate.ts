import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document } from 'yaml';
import { z } from 'zod';
import {
  DEFAULT_TIMEZONE,
  foldToSlug,
  newMachineSecret,
  isSlug,
  SLUG_PATTERN,
  UNIT_TYPES,
  type InventoryFileInput,
  type ScryptCost,
} from '../protocol/index.js';
import {
  COMMUNE_PREFIX,
  HAMLET_PREFIXES,
  TWO_SYLLABLE_NAMES,
  UNIT_HAMLET_PREFIXES,
  UNIT_NAME_PREFIX,
} from './names.js';
import { createRandom, type Random } from './prng.js';

/** Roughly the old An Giang province: the default box of a generated province. */
export const AN_GIANG_BOUNDS = { minLat: 9.9, maxLat: 10.95, minLon: 104.4, maxLon: 105.6 } as const;

/** About 05:00, 11:30 and 17:00 (Hà Giang's Má Lé, and the usual pattern: domain sheet §3). */
export const DEFAULT_SCHEDULE = ['05:00-06:00', '11:30-12:00', '17:00-18:00'] as const;

/**
 * Cheap on purpose, for tests and tools that hash a chosen secret for a simulated device. The generated
 * province itself uses machine secrets (`loa secret new`), which are fast to check by design.
 */
export const SIMULATOR_SCRYPT_COST: ScryptCost = { N: 1024, r: 8, p: 1 };

const boundsSchema = z
  .object({ minLat: z.number(), maxLat: z.number(), minLon: z.number(), maxLon: z.number() })
  .refine((b) => b.minLat < b.maxLat && b.minLon < b.maxLon, 'min must be below max');

const count = (min: number) => z.int().min(min).max(10_000);
const range = (min: number) =>
  z.union([count(min), z.tuple([count(min), count(min)]).refine(([a, b]) => a <= b, 'min above max')]);

/** A real commune-level unit, named rather than drawn: a preset of a real province lists them all. */
const unitSchema = z.object({
  /** With its unit word: "Xã An Phú", "Phường Long Xuyên", "Đặc khu Phú Quốc". */
  name: z.string().trim().min(1).max(200),
  unit: z.enum(UNIT_TYPES),
  formerly: z.array(z.string().trim().min(1).max(200)).max(20).default([]),
  /** Where the unit's centre and its clusters are drawn: land inside the province's bounds. */
  bounds: boundsSchema,
  /** Hamlets of this unit; by default the spec's `hamletsPerCommune`. */
  hamlets: range(1).optional(),
  /** What its hamlets are called ("Khóm" or "Khu phố" in a phường); by default the province's. */
  hamletPrefix: z.enum(UNIT_HAMLET_PREFIXES).optional(),
});

export const provinceSpecSchema = z
  .object({
    provinceId: z.string().regex(SLUG_PATTERN, 'must be a lowercase slug'),
    provinceName: z.string().trim().min(1).max(200),
    communes: count(1),
    hamletsPerCommune: range(1),
    /** 0 leaves some hamlets unserved, which coverage has to report. */
    clustersPerHamlet: range(0),
    /** Share of clusters that are FM receivers (unmonitored, no secret), 0..1. */
    fmShare: z.number().min(0).max(1),
    /** Whether each commune has a monitored station (studio) device. */
    stations: z.boolean(),
    seed: z.int(),
    /** The inventory's heartbeat_s for monitored devices. */
    heartbeatS: z.int().min(5).max(3600),
    /** "Ấp" (the south) or "Thôn" (north and centre); by default drawn from the seed. */
    hamletPrefix: z.enum(HAMLET_PREFIXES).optional(),
    bounds: boundsSchema.default(AN_GIANG_BOUNDS),
    /**
     * Land inside the bounds where commune centres are drawn, each with its share of the communes: a
     * province whose box holds sea (a coast, islands) keeps its places on land. By default the whole box.
     */
    regions: z
      .array(z.object({ bounds: boundsSchema, weight: z.number().positive() }))
      .min(1)
      .optional(),
    /** The real units, in order: then `communes` must be their number, and names are not drawn. */
    units: z.array(unitSchema).min(1).optional(),
  })
  .refine((s) => (s.regions ?? []).every((r) => inside(r.bounds, s.bounds)), {
    message: 'every region must lie inside the bounds',
    path: ['regions'],
  })
  .refine((s) => (s.units ?? []).every((u) => inside(u.bounds, s.bounds)), {
    message: 'every unit must lie inside the bounds',
    path: ['units'],
  })
  .refine((s) => s.units === undefined || s.units.length === s.communes, {
    message: 'communes must be the number of units',
    path: ['communes'],
  });

export type ProvinceSpec = z.input<typeof provinceSpecSchema>;

type Unit = z.output<typeof unitSchema>;
/** A commune to generate: a real unit of the spec, or a drawn name. */
type PlannedCommune = { id: string; name: string } & Partial<Unit>;

export interface GeneratedProvince {
  /** One province file as it goes to YAML (protocol's inventory input type). */
  inventory: InventoryFileInput;
  /** Plain secrets of the monitored devices, by device id; FM devices have none. */
  secrets: Record<string, string>;
}

type DeviceEntry = NonNullable<InventoryFileInput['communes'][number]['devices']>[number];

/**
 * A plausible province for tests, demos and benchmarks. Everything but the secrets follows from the
 * seed; secrets come from the system's random source (they are secrets, even simulated ones).
 */
// Async though nothing is awaited since secrets need no scrypt: callers await it, and a bad spec rejects.
// eslint-disable-next-line @typescript-eslint/require-await
export async function generateProvince(input: ProvinceSpec): Promise<GeneratedProvince> {
  const parsed = provinceSpecSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(spec)'}: ${i.message}`,
    );
    throw new Error(`invalid province spec:\n  ${problems.join('\n  ')}`);
  }
  const spec = parsed.data;
  const random = createRandom(spec.seed);
  const hamletPrefix = spec.hamletPrefix ?? random.pick(HAMLET_PREFIXES);
  const plan: PlannedCommune[] =
    spec.units?.map((u) => ({ ...u, id: foldToSlug(u.name.replace(UNIT_NAME_PREFIX, '')) })) ??
    uniqueNames(random, spec.communes).map((name) => ({
      name: `${COMMUNE_PREFIX} ${name}`,
      id: foldToSlug(name),
    }));
  const taken = new Set<string>();
  for (const { id, name } of plan) {
    // Two real names may fold to one slug ("Thạnh"/"Thành"): ids must stay apart, so say which.
    if (taken.has(id)) throw new Error(`two communes fold to the id "${id}" (one is "${name}")`);
    taken.add(id);
  }
  /** Monitored devices, which get a secret once the seeded draws are done. */
  const monitored: DeviceEntry[] = [];

  const communes = plan.map((unit) => {
    const { id } = unit;
    /** A real unit keeps its clusters in its own land box; a drawn one within the province's. */
    const land = unit.bounds ?? spec.bounds;
    const center = unit.bounds
      ? pointIn(random, unit.bounds, 0)
      : spec.regions
        ? pointIn(random, pickRegion(random, spec.regions), 0)
        : pointIn(random, spec.bounds, 0.05);
    const numbered = random.chance(0.3);
    const hamletCount = draw(random, unit.hamlets ?? spec.hamletsPerCommune);
    const prefix = unit.hamletPrefix ?? hamletPrefix;
    const hamlets = (numbered ? numberedNames(hamletCount) : uniqueNames(random, hamletCount)).map((h) => ({
      id: foldToSlug(numbered ? `${prefix} ${h}` : h),
      name: `${prefix} ${h}`,
    }));
    const devices: DeviceEntry[] = [];
    if (spec.stations) {
      const station: DeviceEntry = {
        id: deviceId(spec.provinceId, id, 'station'),
        kind: 'station',
        link: random.chance(0.7) ? 'ethernet' : '4g',
        lat: round(center.lat),
        lon: round(center.lon),
        heartbeat_s: spec.heartbeatS,
      };
      devices.push(station);
      monitored.push(station);
    }
    let cluster = 0;
    for (const hamlet of hamlets) {
      const place = near(random, center, 0.02, land);
      for (let i = draw(random, spec.clustersPerHamlet); i > 0; i--) {
        cluster += 1;
        const spot = near(random, place, 0.004, land);
        const fm = random.chance(spec.fmShare);
        const number = String(cluster).padStart(2, '0');
        const entry: DeviceEntry = {
          id: deviceId(spec.provinceId, id, fm ? `fm${number}` : `c${number}`),
          kind: 'cluster',
          link: fm ? 'fm' : pickLink(random),
          hamlets: [hamlet.id],
          lat: round(spot.lat),
          lon: round(spot.lon),
          ...(!fm && { heartbeat_s: spec.heartbeatS }),
        };
        devices.push(entry);
        if (!fm) monitored.push(entry);
      }
    }
    return {
      id,
      name: unit.name,
      ...(unit.unit !== undefined && { unit: unit.unit }),
      ...(unit.formerly !== undefined && unit.formerly.length > 0 && { formerly: [...unit.formerly] }),
      schedule: [...DEFAULT_SCHEDULE],
      hamlets,
      devices,
    };
  });

  // Machine secrets, as `loa secret new` makes them (issue #14, point 3): 128 random bits, hashed with one
  // HMAC, so a province is generated at once and a fresh `loa up` accepts it without one scrypt per
  // device. Drawn last, from the system's random source: the seeded draws above stay in order.
  const secrets: Record<string, string> = {};
  for (const device of monitored) {
    const { secret, hash } = newMachineSecret();
    secrets[device.id] = secret;
    device.secret = hash;
  }
  return {
    inventory: {
      province: { id: spec.provinceId, name: spec.provinceName },
      timezone: DEFAULT_TIMEZONE,
      communes,
    },
    secrets: sortKeys(secrets),
  };
}

export interface WrittenProvince {
  inventoryFile: string;
  secretsFile: string;
}

/** Writes `dir/inventory/<province>.yaml` and `dir/secrets.json` (readable by the owner only). */
export async function writeProvince(dir: string, generated: GeneratedProvince): Promise<WrittenProvince> {
  const inventoryDir = join(dir, 'inventory');
  await mkdir(inventoryDir, { recursive: true });
  const inventoryFile = join(inventoryDir, `${generated.inventory.province.id}.yaml`);
  const doc = new Document(generated.inventory);
  doc.commentBefore = [
    ' Generated by the Loa simulator.',
    ' Secrets are machine-generated, as `loa secret new` makes them (128 random bits, stored as',
    ' hmac-sha256$salt$digest); a secret a person chooses is hashed with `loa secret hash` instead.',
  ].join('\n');
  await writeFile(inventoryFile, doc.toString({ lineWidth: 0 }));
  const secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, `${JSON.stringify(generated.secrets, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file keeps its own.
  await chmod(secretsFile, 0o600);
  return { inventoryFile, secretsFile };
}

/**
 * `count` names in seeded order whose slugs differ ("Thạnh" and "Thành" fold alike, so only one of a pair
 * is taken); past the pool, names repeat with a number ("Vĩnh An 2").
 */
function uniqueNames(random: Random, count: number): string[] {
  const pool = random.shuffle(TWO_SYLLABLE_NAMES);
  const slugs = new Set<string>();
  const names: string[] = [];
  for (let round = 1; names.length < count; round++) {
    for (const base of pool) {
      if (names.length === count) break;
      const name = round === 1 ? base : `${base} ${round}`;
      const slug = foldToSlug(name);
      if (slugs.has(slug)) continue;
      slugs.add(slug);
      names.push(name);
    }
  }
  return names;
}

function numberedNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1));
}

function deviceId(province: string, commune: string, suffix: string): string {
  // Province first: device ids are unique nationally, and two provinces may both have a "Vĩnh An".
  const id = `${province}-${commune}-${suffix}`;
  if (!isSlug(id)) throw new Error(`generated device id "${id}" is not a slug (names too long?)`);
  return id;
}

function pickLink(random: Random): 'ethernet' | '4g' | 'wifi' {
  const r = random.next();
  return r < 0.85 ? '4g' : r < 0.95 ? 'wifi' : 'ethernet';
}

function draw(random: Random, value: number | readonly [number, number]): number {
  return typeof value === 'number' ? value : random.int(value[0], value[1]);
}

interface Point {
  lat: number;
  lon: number;
}
type Bounds = z.output<typeof boundsSchema>;

function inside(inner: Bounds, outer: Bounds): boolean {
  return (
    inner.minLat >= outer.minLat &&
    inner.maxLat <= outer.maxLat &&
    inner.minLon >= outer.minLon &&
    inner.maxLon <= outer.maxLon
  );
}

/** A region drawn in proportion to its weight. */
function pickRegion(random: Random, regions: readonly { bounds: Bounds; weight: number }[]): Bounds {
  const total = regions.reduce((sum, r) => sum + r.weight, 0);
  let r = random.next() * total;
  for (const region of regions) {
    r -= region.weight;
    if (r < 0) return region.bounds;
  }
  // Rounding can leave r a hair above 0 after the last region.
  return (regions.at(-1) as { bounds: Bounds }).bounds;
}

function pointIn(random: Random, b: Bounds, margin: number): Point {
  return {
    lat: random.between(b.minLat + margin, b.maxLat - margin),
    lon: random.between(b.minLon + margin, b.maxLon - margin),
  };
}

/** A point within `spread` degrees of `p`, kept inside the bounds. */
function near(random: Random, p: Point, spread: number, b: Bounds): Point {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    lat: clamp(p.lat + random.between(-spread, spread), b.minLat, b.maxLat),
    lon: clamp(p.lon + random.between(-spread, spread), b.minLon, b.maxLon),
  };
}

/** Five decimals: about a metre. */
function round(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
