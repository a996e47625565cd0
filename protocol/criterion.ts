import { z } from 'zod';

/**
 * The criterion Loa measures, as a province's configuration rather than code: the 2021–2025 criteria
 * (QĐ 318/QĐ-TTg, criterion 8.3) were replaced by QĐ 51/2025/QĐ-TTg from 15/2/2026, and whether a
 * loudspeaker indicator survives there, and under which number, is not settled. The default below is
 * the 2021–2025 edition; a province names its own edition in its inventory file (`criterion:`).
 */

/** Administrative unit types after the 2025 merger; new-rural criteria apply to xã only by default. */
export const UNIT_TYPES = ['xa', 'phuong', 'dac_khu'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

const share = z
  .number()
  .min(0, 'must be a share between 0 and 1 (0.9 = 90 %)')
  .max(1, 'must be a share between 0 and 1 (0.9 = 90 %), not above 100 %');

const criterionFields = z.strictObject({
  /** Stable id for machines (reports' JSON/CSV, storage): never shown to people. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'must be a short id such as "ntm-2021-8.3"'),
  /** The number the official texts give it ("8.3"); empty when the edition has none. */
  number: z.string().max(20),
  name: z.strictObject({ vi: z.string().trim().min(1).max(300), en: z.string().trim().min(1).max(300) }),
  /** Unit types the criterion is assessed for; the others are shown but not counted. */
  appliesTo: z.array(z.enum(UNIT_TYPES)).min(1).max(UNIT_TYPES.length),
  /** Share of a commune's hamlets that must be covered (1 = every hamlet). */
  hamletShare: share,
  /** A hamlet operates regularly with completed broadcasts on `regularDays` of the last `regularWindowDays`. */
  regularDays: z.int().min(0).max(366),
  regularWindowDays: z.int().min(1).max(366),
  /** Whether a commune needs a station (present; a monitored one must be up). */
  stationRequired: z.boolean(),
  /** A hamlet counts as covered on a day when covered for at least this share of the day. */
  dayCoveredShare: share,
  /** Live: a commune with something down for less than this is `at_risk`, beyond it `not_met`. */
  riskGraceS: z
    .int()
    .min(0)
    .max(366 * 86_400),
});

const regularDaysWithinWindow = {
  check: (c: { regularDays: number; regularWindowDays: number }) => c.regularDays <= c.regularWindowDays,
  params: { message: 'regularDays cannot exceed regularWindowDays', path: ['regularDays'] },
};

export const criterionSchema = criterionFields.refine(
  regularDaysWithinWindow.check,
  regularDaysWithinWindow.params,
);

export type Criterion = z.infer<typeof criterionSchema>;

/** The 2021–2025 edition (QĐ 318/QĐ-TTg), with the rules Loa applied before criteria were configurable. */
export const DEFAULT_CRITERION: Criterion = {
  id: 'ntm-2021-8.3',
  number: '8.3',
  name: {
    vi: 'Xã có đài truyền thanh và hệ thống loa đến các thôn/ấp',
    en: 'The commune has a radio station and loudspeakers reaching every hamlet',
  },
  appliesTo: ['xa'],
  hamletShare: 1,
  regularDays: 5,
  regularWindowDays: 7,
  stationRequired: true,
  dayCoveredShare: 0.9,
  riskGraceS: 24 * 3600,
};

/**
 * The inventory's `criterion:` block: any of the fields above, each falling back to the default, so a
 * province writes only what its edition changes.
 */
export const criterionBlockSchema = criterionFields
  .partial()
  .optional()
  .transform((partial): Criterion => ({ ...DEFAULT_CRITERION, ...partial }))
  .refine(regularDaysWithinWindow.check, regularDaysWithinWindow.params);
