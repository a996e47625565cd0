import { describe, expect, it } from 'vitest';
import { testInventory } from '../../test/fixtures/province.js';
import { runningScenario } from '../scenario.js';

const MONITORED = ['vinh-an-station', 'vinh-an-c01', 'vinh-an-c02', 'tan-lap-c01'];
/** 2026-06-15 23:00 local time (UTC+7). */
const START = Date.UTC(2026, 5, 15, 16);
const count = (lines: readonly string[], measurement: string) =>
  lines.filter((l) => l.startsWith(`${measurement},`)).length;

describe('what the engine writes, and when (issue 12)', () => {
  it('every place at start and at local midnight, province counts every minute, otherwise changes only', async () => {
    const s = runningScenario(await testInventory(), START, MONITORED);
    // At start: 5 devices (the FM one too), 4 hamlets, 2 communes, 1 province.
    expect(
      ['coverage_device', 'coverage_hamlet', 'coverage_commune', 'coverage_province'].map((m) =>
        count(s.lines, m),
      ),
    ).toEqual([5, 4, 2, 1]);
    s.lines.length = 0;
    s.advance(30 * 60_000);
    // Half an hour with nothing changing: the province's counts once a minute, nothing else.
    expect(count(s.lines, 'coverage_province')).toBe(30);
    expect(s.lines.length).toBe(30);
    s.lines.length = 0;
    s.alive.delete('tan-lap-c01');
    s.advance(10 * 60_000);
    // A change: the device, its hamlet and commune once each (plus the province on that tick).
    expect(count(s.lines, 'coverage_device')).toBe(1);
    expect(count(s.lines, 'coverage_hamlet')).toBe(1);
    expect(count(s.lines, 'coverage_commune')).toBe(1);
    s.lines.length = 0;
    s.advance(30 * 60_000); // past local midnight
    expect(count(s.lines, 'coverage_device')).toBe(5);
    expect(count(s.lines, 'coverage_hamlet')).toBe(4);
  });
});
