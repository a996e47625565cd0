import { describe, expect, it } from 'vitest';
import { inventoryFileSchema } from '../protocol/index.js';
import { inWindow, latestEndedWindow, localDay } from './local-time.js';
import { createRandom, seedFrom } from './prng.js';

const schedule =
  inventoryFileSchema.parse({
    province: { id: 'p', name: 'P' },
    communes: [
      {
        id: 'c',
        name: 'C',
        schedule: ['05:00-06:00', '11:30-12:00', '17:00-18:00'],
        hamlets: [{ id: 'h', name: 'H' }],
      },
    ],
  }).communes[0]?.schedule ?? [];
const TZ = 'Asia/Ho_Chi_Minh';

describe('local time', () => {
  it('finds the local day in UTC+7', () => {
    // 2025-06-01 20:00 UTC is 2025-06-02 03:00 in Vietnam.
    expect(localDay(Date.UTC(2025, 5, 1, 20, 0), TZ)).toEqual({
      date: '20250602',
      midnight: Date.UTC(2025, 5, 1, 17, 0),
    });
  });

  it("takes yesterday's evening window before today's first one has ended", () => {
    const w = latestEndedWindow(schedule, Date.UTC(2025, 5, 1, 20, 0), TZ); // 03:00 local
    expect(w).toMatchObject({ key: '20250601-1700', index: 2, start: Date.UTC(2025, 5, 1, 10, 0) });
    const noon = latestEndedWindow(schedule, Date.UTC(2025, 5, 2, 5, 0), TZ); // 12:00 local, just ended
    expect(noon).toMatchObject({ key: '20250602-1130', end: Date.UTC(2025, 5, 2, 5, 0) });
  });

  it('knows when a window is playing', () => {
    expect(inWindow(schedule, Date.UTC(2025, 5, 1, 22, 30), TZ)).toBe(true); // 05:30 local
    expect(inWindow(schedule, Date.UTC(2025, 5, 1, 23, 0), TZ)).toBe(false); // 06:00 local
  });
});

describe('seeded random', () => {
  it('repeats itself for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const r = createRandom(seed);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(1).every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seedFrom('vinh-an-c01')).not.toBe(seedFrom('vinh-an-c02'));
  });
});
