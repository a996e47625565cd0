// The dashboard panel test (dashboards/panels.integration.test.ts) loads a history ending at the real
// now: what its panels count must not depend on the hour the suite runs at.
import { describe, expect, it } from 'vitest';
import { testInventory } from './fixtures/province.js';
import { provinceHistory } from './dashboard-history.js';

describe('the dashboard test history', () => {
  it('has broadcasts and missed windows whatever the hour it ends at', async () => {
    const inventory = await testInventory();
    const midnight = Date.UTC(2026, 5, 15, 17, 0); // 00:00 local (UTC+7)
    for (let hour = 0; hour < 24; hour++) {
      const end = midnight + hour * 3_600_000 + 17_345; // not on a whole minute, as Date.now() is not
      const history = provinceHistory(inventory, end);
      const missed = history.long.filter(
        (l) => l.startsWith('alert,') && l.includes('kind=broadcast_missed'),
      );
      expect(missed.length, `history ending at ${hour}:00 local`).toBeGreaterThan(0);
      expect(history.completed['vinh-an'], `history ending at ${hour}:00 local`).toBeGreaterThan(0);
    }
    // 24 histories take a few seconds alone and several times that on a busy 2-core machine.
  }, 60_000);
});
