import { describe, expect, it } from 'vitest';
import { COMMUNE_STATUS, HAMLET_STATUS } from '../evaluate.js';
import { bucketOf } from './buckets.js';
import {
  communeVerdict,
  emptySeconds,
  hamletVerdict,
  observedSpans,
  outagesOf,
  secondsOfDay,
} from './day.js';

const DAY = 86_400_000;
const FROM = Date.UTC(2026, 11, 3) - 7 * 3_600_000;
const TO = FROM + DAY;
const ALL_DAY = [{ from: FROM, to: TO }];

describe('status buckets', () => {
  it('gives every status the engine writes a bucket of its own kind', () => {
    for (const s of HAMLET_STATUS) expect(bucketOf('hamlet', s), s).not.toBe('no_data');
    for (const s of COMMUNE_STATUS) expect(bucketOf('commune', s), s).not.toBe('no_data');
    expect(bucketOf('hamlet', 'unserved')).toBe('uncovered');
    expect(bucketOf('hamlet', 'something-new')).toBe('no_data');
  });
});

describe('a place’s day, time-weighted', () => {
  it('weighs four bad samples in four seconds as four seconds, not as four minutes', () => {
    const t = FROM + 3_600_000;
    const changes = [
      { at: FROM, status: 'covered' },
      { at: t, status: 'uncovered' },
      { at: t + 1000, status: 'uncovered' },
      { at: t + 2000, status: 'uncovered' },
      { at: t + 3000, status: 'uncovered' },
      { at: t + 4000, status: 'covered' },
      { at: t + 124_000, status: 'covered' },
    ];
    const s = secondsOfDay('hamlet', changes, ALL_DAY, FROM, TO);
    expect(s.uncovered).toBe(4);
    expect(s.covered).toBe(86_400 - 4);
    expect(hamletVerdict(s, 0.9)).toBe('met');
  });

  it('counts time before the first state and outside the engine’s running spans as no data', () => {
    const running = observedSpans([FROM + 6 * 3_600_000, FROM + 6 * 3_600_000 + 60_000], 120_000);
    expect(running).toEqual([{ from: FROM + 6 * 3_600_000, to: FROM + 6 * 3_600_000 + 180_000 }]);
    const s = secondsOfDay('hamlet', [{ at: FROM - 5000, status: 'covered' }], running, FROM, TO);
    expect(s).toEqual({ ...emptySeconds(), covered: 180, no_data: 86_400 - 180 });
    expect(hamletVerdict(s, 0.9)).toBe('no_data');
    expect(hamletVerdict(secondsOfDay('hamlet', [], ALL_DAY, FROM, TO), 0.9)).toBe('no_data');
  });

  it('judges a hamlet met at 90 % covered, not met beyond 10 % silent, unverified when FM only', () => {
    const down = (ms: number, status = 'uncovered') =>
      secondsOfDay(
        'hamlet',
        [
          { at: FROM, status: 'covered' },
          { at: FROM + 1000, status },
          { at: FROM + 1000 + ms, status: 'covered' },
        ],
        ALL_DAY,
        FROM,
        TO,
      );
    expect(hamletVerdict(down(0.1 * DAY - 1000), 0.9)).toBe('met');
    expect(hamletVerdict(down(0.1 * DAY + 60_000), 0.9)).toBe('not_met');
    expect(hamletVerdict(down(0.5 * DAY, 'unmonitored'), 0.9)).toBe('unverified');
    expect(hamletVerdict(down(0.5 * DAY, 'unserved'), 0.9)).toBe('not_met');
  });

  it('judges a commune by its required hamlets and its own status', () => {
    const criterion = { dayCoveredShare: 0.9, hamletShare: 1 };
    const met = { ...emptySeconds(), covered: 86_400 };
    expect(communeVerdict(['met', 'met'], met, criterion)).toBe('met');
    expect(communeVerdict(['met', 'not_met'], met, criterion)).toBe('not_met');
    expect(communeVerdict(['met', 'not_met'], met, { ...criterion, hamletShare: 0.5 })).toBe('met');
    expect(communeVerdict(['met', 'unverified'], { ...emptySeconds(), unverified: 86_400 }, criterion)).toBe(
      'unverified',
    );
    expect(communeVerdict(['met', 'met'], { ...emptySeconds(), uncovered: 86_400 }, criterion)).toBe(
      'not_met',
    );
    expect(communeVerdict(['met', 'no_data'], met, criterion)).toBe('no_data');
  });

  it('lists outages from the state changes, however short, consecutive silent states as one', () => {
    const changes = [
      { at: FROM - 1000, status: 'covered' },
      { at: FROM + 60_000, status: 'unserved' },
      { at: FROM + 12 * 60_000, status: 'uncovered' },
      { at: FROM + 13 * 60_000, status: 'covered' },
      { at: TO - 1000, status: 'at_risk' },
    ];
    expect(outagesOf('hamlet', changes, FROM, TO)).toEqual([
      { from: FROM + 60_000, to: FROM + 13 * 60_000, status: 'unserved' },
      { from: TO - 1000, to: TO, status: 'at_risk' },
    ]);
  });
});
