import { UNIT_TYPES, type UnitType } from '../protocol/index.js';
import type { CommunePeriod, PeriodReport, PeriodVerdict } from './report.js';

/**
 * The statement a province writes ("toàn tỉnh có X/Y xã đạt tiêu chí …"), as data every format renders:
 * per unit type the criterion applies to, how many met it and what the others were, each kept apart —
 * an unverified commune (FM/wired only) is never counted as met nor as failed.
 */
export interface UnitTally {
  unit: UnitType;
  total: number;
  met: number;
  notMet: number;
  unverified: number;
  maintenance: number;
  noData: number;
  /** met / total, in %. */
  pct: number;
}

export interface Statement {
  /** The unit types the criterion applies to that the province has, in the order xã, phường, đặc khu. */
  counted: UnitTally[];
  /** Unit types listed but not assessed, with how many. */
  notCounted: { unit: UnitType; n: number }[];
  /** Assessed units that did not meet it: not met, under maintenance, or without data (why: their days). */
  failed: CommunePeriod[];
  /** Assessed units that cannot be verified (FM/wired only): listed apart. */
  unverified: CommunePeriod[];
}

const FAILED: readonly PeriodVerdict[] = ['not_met', 'maintenance', 'no_data'];

export function statementOf(r: PeriodReport): Statement {
  const counted: UnitTally[] = [];
  const notCounted: { unit: UnitType; n: number }[] = [];
  for (const unit of UNIT_TYPES) {
    const of = r.communes.filter((c) => c.unit === unit);
    if (of.length === 0) continue;
    if (!of.some((c) => c.applies)) {
      notCounted.push({ unit, n: of.length });
      continue;
    }
    const assessed = of.filter((c) => c.applies);
    const n = (v: PeriodVerdict) => assessed.filter((c) => c.verdict === v).length;
    counted.push({
      unit,
      total: assessed.length,
      met: n('met'),
      notMet: n('not_met'),
      unverified: n('unverified'),
      maintenance: n('maintenance'),
      noData: n('no_data'),
      pct: (100 * n('met')) / assessed.length,
    });
  }
  const assessed = r.communes.filter((c) => c.applies);
  return {
    counted,
    notCounted,
    failed: assessed.filter((c) => FAILED.includes(c.verdict)),
    unverified: assessed.filter((c) => c.verdict === 'unverified'),
  };
}
