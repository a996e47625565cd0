import { beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, Inventory, parseInventoryFile } from '../protocol/index.js';
import { CHEAP } from '../test/fixtures/province.js';
import { COVERED, DEVICE_DOWN, DEVICE_UP, Evaluation, evaluate, MAINTENANCE, UNCOVERED } from './evaluate.js';
import { applyMaintenance, type MaintenanceWindow } from './maintenance.js';
import { buildModel, DAY_MS } from './model.js';
import { FleetState } from './state.js';

// The evaluation's short cuts for speed at national size (docs/performance.md): each gives the result
// the plain rule gives.

let HASH = '';
beforeAll(async () => {
  HASH = await hashSecret('x', CHEAP);
});

// 2026-06-15 10:00 in Vietnam (UTC+7).
const NOW = Date.UTC(2026, 5, 15, 3, 0);

/** Vĩnh An, one IP cluster per hamlet; regularity over `window` days. */
function fleet(window = 7) {
  const yaml = `province: { id: an-giang, name: "An Giang" }
criterion:
  id: ntm-test
  number: ""
  name: { vi: "Loa", en: "Loudspeakers" }
  regularDays: 2
  regularWindowDays: ${window}
  riskGraceS: 60
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    hamlets:
      - { id: an-hoa, name: "Ấp An Hòa" }
      - { id: an-thanh, name: "Ấp An Thạnh" }
    devices:
      - { id: c01, kind: cluster, hamlets: [an-hoa], link: 4g, secret: "${HASH}" }
      - { id: c02, kind: cluster, hamlets: [an-thanh], link: 4g, secret: "${HASH}" }
`;
  const inventory = Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);
  const model = buildModel(inventory, NOW);
  const state = new FleetState(model);
  state.historyStart = NOW - 30 * DAY_MS;
  for (let d = 0; d < model.devices.length; d++) state.heard(d, NOW - 1000);
  const ev = new Evaluation(model);
  return { model, state, ev, run: (at = NOW) => evaluate(model, state, at, ev) };
}

describe('evaluation short cuts', () => {
  it("counts the broadcast days of the province's window only, not older days still in the ring", () => {
    const { state, ev, run } = fleet(3);
    expect(state.historyDays).toBe(8);
    // an-hoa (c01): today, 2 and 3 days ago (in the window of today and the 3 days before it), and 4,
    // 5 and 7 days ago (still kept in the 8-day ring, out of the window).
    for (const ago of [0, 2, 3, 4, 5, 7]) state.markBroadcastDay(0, NOW - ago * DAY_MS);
    // an-thanh (c02): a day in the future (a clock ahead) and 6 days ago: neither counts.
    for (const ago of [-1, 6]) state.markBroadcastDay(1, NOW - ago * DAY_MS);
    run();
    expect([...ev.hamletBroadcastDays]).toEqual([3, 0]);
  });

  it('a fault, a death or a tripped relay puts a device down, each the first of its kind too', () => {
    const { state, ev, run } = fleet();
    state.heartbeat(0, NOW - 60_000, true, false, undefined);
    run();
    expect(ev.deviceStatus[0]).toBe(DEVICE_DOWN);
    expect(ev.deviceDownSince[0]).toBe(NOW - 60_000);
    state.heartbeat(0, NOW - 30_000, false, false, undefined);
    run();
    expect(ev.deviceStatus[0]).toBe(DEVICE_UP);
    // A device never in trouble before: its death is seen too.
    state.presence(1, false, 0, NOW);
    run();
    expect([ev.deviceStatus[1], ev.deviceDownSince[1]]).toEqual([DEVICE_DOWN, NOW]);
    // And a tripped relay on the one whose amplifier was repaired.
    state.heartbeat(0, NOW - 20_000, false, false, true);
    run();
    expect([ev.deviceStatus[0], ev.deviceDownSince[0]]).toEqual([DEVICE_DOWN, NOW - 20_000]);
  });

  it('maintenance slots exist while windows are stored: applied, cleared, applied again, replaced', () => {
    const { model, state, ev, run } = fleet();
    const later = NOW + 10 * 60_000; // every device silent by then
    const window: MaintenanceWindow = {
      id: 'mw-1',
      scope: 'hamlet',
      province: 'an-giang',
      commune: 'vinh-an',
      target: 'an-hoa',
      from: NOW,
      until: NOW + 3_600_000,
      reason: 'bảo trì',
      endedAt: 0,
    };
    expect(state.hamletMaintenanceUntil).toHaveLength(0);
    applyMaintenance(model, state, [window]);
    run(later);
    expect([...ev.hamletStatus]).toEqual([MAINTENANCE, UNCOVERED]);
    applyMaintenance(model, state, []);
    expect(state.hamletMaintenanceUntil).toHaveLength(0);
    run(later);
    expect([...ev.hamletStatus]).toEqual([UNCOVERED, UNCOVERED]);
    applyMaintenance(model, state, [window]);
    applyMaintenance(model, state, [{ ...window, target: 'an-thanh' }]);
    run(later);
    expect([...ev.hamletStatus]).toEqual([UNCOVERED, MAINTENANCE]);
    run();
    expect([...ev.hamletStatus]).toEqual([COVERED, COVERED]);
  });
});
