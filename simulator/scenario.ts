import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  InventoryError,
  parseYamlFile,
  SLUG_PATTERN,
  type Commune,
  type Device,
  type Inventory,
} from '../protocol/index.js';

/**
 * A scenario file (simulator/README.md, docs/examples/scenario.yaml): what goes wrong, when and where,
 * during `loa simulate run`. Scripted faults have a time and a target; random ones a mean interval.
 * Validated with zod; a mistake stops start-up with the file, the line and the field.
 */

const DURATION = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `30s`, `5m`, `1.5h`, `250ms`, or a plain number of seconds; in milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  const m = DURATION.exec(value.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const durationMessage = 'must be a duration such as 30s, 5m, 1h or 250ms (a plain number is seconds)';
const signedDuration = z
  .union([z.number(), z.string()], {
    error: (issue) => (issue.input === undefined ? 'is required' : durationMessage),
  })
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: durationMessage });
      return z.NEVER;
    }
    return ms;
  });
const duration = signedDuration.refine((ms) => ms >= 0, 'must not be negative');
const positiveDuration = signedDuration.refine((ms) => ms > 0, 'must be longer than 0');

const slug = z.string().regex(SLUG_PATTERN, 'must be a lowercase slug such as "vinh-an"');

/**
 * Which devices a fault hits: every filter given must hold (none: every monitored device), then `pick`
 * chooses that many of them at random.
 */
const targetSchema = z
  .strictObject({
    device: slug.optional(),
    devices: z.array(slug).min(1).optional(),
    province: slug.optional(),
    commune: slug.optional(),
    communes: z.array(slug).min(1).optional(),
    /** A hamlet of `commune` (hamlet ids are unique within a commune). */
    hamlet: slug.optional(),
    /** A region: devices whose inventory position is inside the box. */
    box: z
      .strictObject({
        south: z.number().min(-90).max(90),
        north: z.number().min(-90).max(90),
        west: z.number().min(-180).max(180),
        east: z.number().min(-180).max(180),
      })
      .refine((b) => b.south <= b.north && b.west <= b.east, 'needs south ≤ north and west ≤ east')
      .optional(),
    kind: z.enum(['station', 'cluster']).optional(),
    pick: z.int().min(1).optional(),
  })
  .refine((t) => t.hamlet === undefined || t.commune !== undefined, {
    message: 'a hamlet needs its commune',
    path: ['hamlet'],
  });

export type Target = z.output<typeof targetSchema>;

/** How long a fault lasts; the device recovers at its end. */
const lasting = { for: positiveDuration };

const faultKinds = {
  /** Mains gone and the backup exhausted after `battery`: the box goes dark (no DISCONNECT, the Will fires). */
  power_cut: { ...lasting, battery: duration.default(0) },
  /** The 4G link is down: the agent keeps measuring into its outbox and replays on return. */
  link_drop: lasting,
  /** The link goes down for the first half of every `period`, up for the second. */
  flapping: { ...lasting, period: positiveDuration.default(4000) },
  /** The amplifier reports `fault` (heartbeat `amp` and an `amp_fault` event). */
  amp_fault: lasting,
  /** Over-voltage trips the protective relay (heartbeat `relay`, `mains_v` high, a `relay_tripped` event). */
  relay_trip: { ...lasting, volts: z.number().min(250).max(400).default(275) },
  /** The device clock runs `offset` off (negative: behind); until the end of the run without `for`. */
  clock_skew: { for: positiveDuration.optional(), offset: signedDuration },
  /** The device sends `count` messages the ingest must refuse (invalid JSON, schema failures). */
  malformed: { count: z.int().min(1).max(1000).default(3) },
  /** The device publishes on another device's topic (`victim`, by default one of its commune). */
  impersonate: { count: z.int().min(1).max(100).default(1), victim: slug.optional() },
} as const;

export type FaultKind = keyof typeof faultKinds;
export const FAULT_KINDS = Object.keys(faultKinds) as FaultKind[];

/** One object schema per fault kind, each with the fields of `base` (when, or how often, and where). */
function faultSchema<Base extends z.ZodRawShape>(base: Base) {
  const v = <K extends FaultKind>(kind: K) =>
    z.strictObject({ ...base, kind: z.literal(kind), ...faultKinds[kind] });
  return z.discriminatedUnion('kind', [
    v('power_cut'),
    v('link_drop'),
    v('flapping'),
    v('amp_fault'),
    v('relay_trip'),
    v('clock_skew'),
    v('malformed'),
    v('impersonate'),
  ]);
}

/** An emergency bulletin to one commune: every monitored cluster logs it, except `fail` of them. */
const bulletinFields = {
  /** By default a commune picked at random among those with more than `fail` monitored clusters. */
  commune: slug.optional(),
  province: slug.optional(),
  /** The bulletin id from the provincial system; generated when absent. */
  id: z.string().min(1).max(100).optional(),
  /** Clusters (picked at random) that fail to play it and log nothing: the engine must notice. */
  fail: z.int().min(0).default(0),
  length: positiveDuration.default(180_000),
  /**
   * The logs reach the platform this long after the bulletin ended (the clusters were cut off while it
   * played). The engine judges delivery 15 min after the bulletin, so a `late` of 15 min or more is
   * judged at once.
   */
  late: duration.default(0),
};

const scriptedFault = faultSchema({ at: duration, target: targetSchema.prefault({}) });
const randomFault = faultSchema({ every: positiveDuration, target: targetSchema.prefault({}) });

const scenarioShape = z.strictObject({
  /** Stop by itself after this long (the command line's `--duration` wins). */
  duration: positiveDuration.optional(),
  /** Seeds the random choices (targets picked, random faults); the run's `--seed` by default. */
  seed: z.int().optional(),
  faults: z.array(scriptedFault).default([]),
  bulletins: z.array(z.strictObject({ at: duration, ...bulletinFields })).default([]),
  random: z
    .array(
      z.union([
        randomFault,
        z.strictObject({ kind: z.literal('emergency'), every: positiveDuration, ...bulletinFields }),
      ]),
    )
    .default([]),
});

export type Scenario = z.output<typeof scenarioShape>;
export type ScriptedFault = Scenario['faults'][number];
export type ScriptedBulletin = Scenario['bulletins'][number];
export type RandomRule = Scenario['random'][number];
/** What applying a fault needs to know: its kind and parameters, without when and where. */
export type FaultSpec = ScriptedFault extends infer F
  ? F extends unknown
    ? Omit<F, 'at' | 'target'>
    : never
  : never;

/** The monitored devices a target names, before `pick`. */
export function matchTarget(inventory: Inventory, target: Target): Device[] {
  const hits: Device[] = [];
  for (const d of inventory.allDevices()) {
    if (!d.monitored) continue;
    if (target.device !== undefined && d.device !== target.device) continue;
    if (target.devices !== undefined && !target.devices.includes(d.device)) continue;
    if (target.province !== undefined && d.province !== target.province) continue;
    if (target.commune !== undefined && d.commune !== target.commune) continue;
    if (target.communes !== undefined && !target.communes.includes(d.commune)) continue;
    if (target.hamlet !== undefined && !d.hamlets.includes(target.hamlet)) continue;
    if (target.kind !== undefined && d.kind !== target.kind) continue;
    const b = target.box;
    if (b !== undefined) {
      if (d.lat === undefined || d.lon === undefined) continue;
      if (d.lat < b.south || d.lat > b.north || d.lon < b.west || d.lon > b.east) continue;
    }
    hits.push(d);
  }
  return hits;
}

/** The scenario schema, with the names checked against the inventory when one is given. */
export function scenarioSchema(inventory?: Inventory) {
  if (inventory === undefined) return scenarioShape;
  return scenarioShape.superRefine((s, ctx) => {
    const checkTarget = (target: Target, path: (string | number)[]) => {
      for (const id of [target.device, ...(target.devices ?? [])]) {
        if (id !== undefined && !inventory.device(id)?.monitored) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, target.device === id ? 'device' : 'devices'],
            message: `"${id}" is not a monitored device of the inventory`,
          });
          return;
        }
      }
      for (const id of [target.commune, ...(target.communes ?? [])]) {
        if (id !== undefined && !hasCommune(inventory, id, target.province)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, target.commune === id ? 'commune' : 'communes'],
            message: `"${id}" is not a commune of the inventory`,
          });
          return;
        }
      }
      const hits = matchTarget(inventory, target).length;
      if (hits === 0) {
        ctx.addIssue({ code: 'custom', path, message: 'matches no monitored device of the inventory' });
      } else if (target.pick !== undefined && target.pick > hits) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'pick'],
          message: `picks ${target.pick} of the ${hits} devices it matches`,
        });
      }
    };
    s.faults.forEach((f, i) => {
      checkTarget(f.target, ['faults', i, 'target']);
      if (f.kind === 'impersonate' && f.victim !== undefined && !inventory.device(f.victim)?.monitored) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'victim'],
          message: `"${f.victim}" is not a monitored device of the inventory`,
        });
      }
    });
    const checkBulletin = (
      b: { commune?: string | undefined; province?: string | undefined; fail: number },
      path: (string | number)[],
    ) => {
      if (b.commune === undefined) {
        if (bulletinCommunes(inventory, b.fail, b.province).length === 0) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'fail'],
            message: `no commune has more than ${b.fail} monitored clusters`,
          });
        }
        return;
      }
      if (!hasCommune(inventory, b.commune, b.province)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'commune'],
          message: `"${b.commune}" is not a commune of the inventory`,
        });
        return;
      }
      const clusters = matchTarget(inventory, {
        commune: b.commune,
        kind: 'cluster',
        ...(b.province !== undefined && { province: b.province }),
      }).length;
      if (clusters === 0 || b.fail >= clusters) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, clusters === 0 ? 'commune' : 'fail'],
          message:
            clusters === 0
              ? 'has no monitored cluster to log a bulletin'
              : `must leave at least one of the commune's ${clusters} monitored clusters playing`,
        });
      }
    };
    s.bulletins.forEach((b, i) => {
      checkBulletin(b, ['bulletins', i]);
    });
    s.random.forEach((r, i) => {
      if (r.kind === 'emergency') checkBulletin(r, ['random', i]);
      else checkTarget(r.target, ['random', i, 'target']);
    });
  });
}

/** Communes with more than `fail` monitored clusters: those a bulletin without a commune may go to. */
export function bulletinCommunes(inventory: Inventory, fail: number, province?: string): Commune[] {
  return inventory.provinces
    .filter((p) => province === undefined || p.id === province)
    .flatMap((p) => p.communes)
    .filter((c) => c.devices.filter((d) => d.monitored && d.kind === 'cluster').length > fail);
}

function hasCommune(inventory: Inventory, commune: string, province: string | undefined): boolean {
  return inventory.provinces.some(
    (p) => (province === undefined || p.id === province) && p.communes.some((c) => c.id === commune),
  );
}

/** Parses a scenario's text; an InventoryError names the file, line and field of each mistake. */
export function parseScenario(text: string, file: string, inventory?: Inventory): Scenario {
  return parseYamlFile(text, file, scenarioSchema(inventory));
}

export async function loadScenario(file: string, inventory?: Inventory): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InventoryError(file, [{ path: '', message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseScenario(text, file, inventory);
}
