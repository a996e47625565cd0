import { z } from 'zod';
import { DEVICE_KINDS } from './messages.js';
import { criterionBlockSchema, UNIT_TYPES } from './criterion.js';
import { checkSecretHash, isMachineSecretHash } from './secret.js';
import { SLUG_PATTERN } from './slug.js';

/**
 * One inventory file per province (docs/inventory.md): the denominator of coverage and the source of device
 * identity. Field names are what provincial engineers write by hand, so messages name them as written.
 */

const slug = z.string().regex(SLUG_PATTERN, 'must be a lowercase slug such as "vinh-an" (a-z, 0-9, -)');
const name = z.string().trim().min(1).max(200);

/** Links that report (monitored) and links that cannot (FM receivers, wired horns: unmonitored). */
export const MONITORED_LINKS = ['4g', 'ethernet', 'wifi'] as const;
export const UNMONITORED_LINKS = ['fm', 'wired'] as const;
export const INVENTORY_LINKS = [...MONITORED_LINKS, ...UNMONITORED_LINKS] as const;
export type InventoryLink = (typeof INVENTORY_LINKS)[number];

const WINDOW_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** "05:00-06:00" → minutes after local midnight. */
export interface ScheduleWindow {
  text: string;
  startMin: number;
  endMin: number;
}

const scheduleWindow = z.string().transform((text, ctx): ScheduleWindow => {
  const m = WINDOW_PATTERN.exec(text);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a window such as "05:00-06:00"` });
    return z.NEVER;
  }
  const startMin = Number(m[1]) * 60 + Number(m[2]);
  const endMin = Number(m[3]) * 60 + Number(m[4]);
  if (endMin <= startMin || endMin > 24 * 60) {
    ctx.addIssue({ code: 'custom', message: `"${text}" must end after it starts, on the same day` });
    return z.NEVER;
  }
  return { text, startMin, endMin };
});

/** A province's time zone when its inventory names none (all of Vietnam is UTC+7). */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not an IANA time zone such as Asia/Ho_Chi_Minh' },
);

/**
 * A stored secret: a hash from `loa secret hash` (scrypt, at a cost a broker can check at each login) or,
 * recognised by its prefix, from `loa secret new` (the fast format for machine-generated secrets).
 */
export const secretHashSchema = z.string().superRefine((hash, ctx) => {
  const problem = checkSecretHash(hash);
  if (problem === undefined) return;
  ctx.addIssue({
    code: 'custom',
    message:
      problem.startsWith('not a hash') && !isMachineSecretHash(hash)
        ? 'is not a hash from `loa secret hash` or `loa secret new` (never put a plain secret here)'
        : `is ${problem}`,
  });
});

const deviceSchema = z
  .strictObject({
    id: slug,
    kind: z.enum(DEVICE_KINDS),
    link: z.enum(INVENTORY_LINKS),
    hamlets: z.array(slug).default([]),
    secret: secretHashSchema.optional(),
    name: name.optional(),
    model: z.string().max(64).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    heartbeat_s: z.int().min(5).max(3600).optional(),
  })
  .superRefine((d, ctx) => {
    const monitored = (MONITORED_LINKS as readonly string[]).includes(d.link);
    if (monitored && d.secret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: `is required for a device on a ${d.link} link`,
      });
    }
    if (!monitored && d.secret !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: `an ${d.link} device cannot report: remove it`,
      });
    }
    if (d.kind === 'cluster' && d.hamlets.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['hamlets'],
        message: 'a cluster must serve at least one hamlet',
      });
    }
  });

const communeSchema = z
  .strictObject({
    id: slug,
    name,
    /** xã, phường or đặc khu: new-rural criteria apply to xã unless the criterion says otherwise. */
    unit: z.enum(UNIT_TYPES).default('xa'),
    /** Names of the communes merged into this one in 2025, for people who still know them by those. */
    formerly: z.array(name).max(20).default([]),
    schedule: z.array(scheduleWindow).default([]),
    hamlets: z.array(z.strictObject({ id: slug, name })).min(1, 'a commune has at least one hamlet'),
    devices: z.array(deviceSchema).default([]),
  })
  .superRefine((c, ctx) => {
    const hamlets = new Set<string>();
    c.hamlets.forEach((h, i) => {
      if (hamlets.has(h.id))
        ctx.addIssue({ code: 'custom', path: ['hamlets', i, 'id'], message: `duplicate "${h.id}"` });
      hamlets.add(h.id);
    });
    c.devices.forEach((d, i) => {
      d.hamlets.forEach((h, j) => {
        if (!hamlets.has(h)) {
          ctx.addIssue({
            code: 'custom',
            path: ['devices', i, 'hamlets', j],
            message: `"${h}" is not a hamlet of commune ${c.id}`,
          });
        }
      });
    });
  });

export const inventoryFileSchema = z
  .strictObject({
    province: z.strictObject({ id: slug, name }),
    timezone: timezone.default(DEFAULT_TIMEZONE),
    criterion: criterionBlockSchema,
    communes: z.array(communeSchema),
  })
  .superRefine((p, ctx) => {
    const communes = new Set<string>();
    // Device ids are unique nationally; within one file the clash is reported here, with its line.
    const devices = new Map<string, string>();
    p.communes.forEach((c, i) => {
      if (communes.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['communes', i, 'id'], message: `duplicate "${c.id}"` });
      communes.add(c.id);
      c.devices.forEach((d, j) => {
        const earlier = devices.get(d.id);
        if (earlier !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['communes', i, 'devices', j, 'id'],
            message: `duplicate device "${d.id}" (already in commune ${earlier}): device ids are unique nationally`,
          });
        }
        devices.set(d.id, c.id);
      });
    });
  });

export type InventoryFile = z.infer<typeof inventoryFileSchema>;
export type InventoryFileInput = z.input<typeof inventoryFileSchema>;
