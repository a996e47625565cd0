import { describe, expect, it } from 'vitest';
import { expandQuery, formatInterval, intervalMs, UnknownVariableError } from './index.js';

const ctx = { from: 1_700_000_000_000, to: 1_700_003_600_000, variables: { commune: 'vinh-an' } };

describe('expandQuery (what Grafana does to a raw InfluxQL query)', () => {
  it('expands $timeFilter to an epoch-millisecond range', () => {
    expect(expandQuery('SELECT 1 FROM x WHERE $timeFilter', ctx)).toBe(
      'SELECT 1 FROM x WHERE time >= 1700000000000ms and time <= 1700003600000ms',
    );
  });

  it('snaps $__interval to a readable step, never below the data source minimum', () => {
    // One hour over 1,000 points is 3.6 s: Grafana rounds to 5 s, then the 10 s minimum applies;
    // 30 days give 43 min, which Grafana rounds to 30 min.
    expect(intervalMs(ctx)).toBe(10_000);
    expect(intervalMs({ ...ctx, to: ctx.from + 30 * 86_400_000 })).toBe(1_800_000);
    expect(expandQuery('GROUP BY time($__interval)', { ...ctx, to: ctx.from + 30 * 86_400_000 })).toBe(
      'GROUP BY time(30m)',
    );
    expect(formatInterval(90_000)).toBe('90s');
  });

  it('substitutes variables in all three syntaxes', () => {
    expect(expandQuery(`"commune" = '$commune' OR '\${commune}' OR '[[commune]]'`, ctx)).toBe(
      `"commune" = 'vinh-an' OR 'vinh-an' OR 'vinh-an'`,
    );
  });

  it('refuses a variable without a value, as a blank panel would hide it', () => {
    expect(() => expandQuery("'$province'", ctx)).toThrow(UnknownVariableError);
  });
});
