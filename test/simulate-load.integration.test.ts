// Load mode against the real one-machine stack (embedded broker + ingest → the run's influxd): what it
// reports acknowledged is exactly what InfluxDB holds, device by device, once each.
import { expect, inject, it } from 'vitest';
import { LoadConfigError, runLoad } from '../simulator/index.js';
import { SECRETS, testInventory } from './fixtures/province.js';
import { heartbeatCounts } from './influx-helpers.js';
import { eventually } from './wait.js';
import { stackForFile } from './stack-helpers.js';

const influxUrl = inject('influxUrl');
const file = stackForFile(influxUrl, 'simulate_load');

it('stores exactly what it reports acknowledged, per device', async () => {
  const inventory = await testInventory();
  // Under the broker's default per-device burst (5,000), so its rate limit does not come into play.
  const rate = 1000;
  const result = await runLoad({
    brokerUrl: file.brokerUrl,
    inventory,
    secrets: SECRETS,
    devices: 4,
    durationS: 2,
    rate,
  });
  expect(result.connections).toBe(4);
  expect(result.failed).toBe(0);
  expect(result.acked).toBe(result.sent);
  expect(result.acked).toBeGreaterThan(0);
  // Held to the rate: never more than the rate allows plus what was in flight when it was checked.
  expect(result.acked).toBeLessThanOrEqual(rate * result.seconds + 4 * 8);
  const expected = Object.fromEntries(
    Object.entries(result.ackedByDevice).map(([device, n]) => [device, [n, n]]),
  );
  expect(Object.values(result.ackedByDevice).reduce((a, b) => a + b, 0)).toBe(result.acked);
  // Every device carried some of the load.
  expect(Object.values(result.ackedByDevice).every((n) => n > 0)).toBe(true);
  await eventually(async () => {
    expect(await heartbeatCounts(file.ql)).toEqual(expected);
  });
});

it('refuses to pool device accounts over fewer connections (a device may publish only its own topics)', async () => {
  const inventory = await testInventory();
  await expect(
    runLoad({
      brokerUrl: file.brokerUrl,
      inventory,
      secrets: SECRETS,
      devices: 4,
      connections: 2,
      durationS: 1,
    }),
  ).rejects.toThrow(LoadConfigError);
});
