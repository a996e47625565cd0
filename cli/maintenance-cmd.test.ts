// `loa maintenance list` for people: the reader's language, place names from the inventory (ids when it
// does not know them) and the province's local time, never UTC; `--json` keeps ids and epoch ms.
import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../coverage/index.js';
import { messages } from '../i18n/index.js';
import { Inventory, parseInventoryFile } from '../protocol/index.js';
import { formatMaintenance } from './maintenance-cmd.js';

const yaml = `
province: { id: an-giang, name: "An Giang" }
timezone: Asia/Tokyo
communes:
  - id: vinh-an
    name: "Xã Vĩnh An"
    hamlets: [{ id: an-hoa, name: "Ấp An Hòa" }]
    devices:
      - { id: vinh-an-c01, kind: cluster, name: "Cụm loa chợ", hamlets: [an-hoa], link: fm }
`;
const inventory = Inventory.fromFiles([{ file: 'a.yaml', content: parseInventoryFile(yaml, 'a.yaml') }]);

// 2026-06-15 01:00 and 03:30 UTC; the inventory's zone (+9 h, to tell it from Vietnam's) shows 10:00 and 12:30.
const FROM = Date.UTC(2026, 5, 15, 1, 0);
const UNTIL = Date.UTC(2026, 5, 15, 3, 30);
const window = (w: Partial<MaintenanceWindow>): MaintenanceWindow => ({
  id: 'mw-1',
  scope: 'commune',
  province: 'an-giang',
  commune: 'vinh-an',
  target: 'vinh-an',
  from: FROM,
  until: UNTIL,
  reason: 'thay đài',
  endedAt: 0,
  ...w,
});

describe('loa maintenance list', () => {
  it('names the place, in the local time of the province, in Vietnamese by default', () => {
    const text = formatMaintenance(
      [
        window({}),
        window({ id: 'mw-2', scope: 'hamlet', target: 'an-hoa', endedAt: FROM + 3_600_000 }),
        window({ id: 'mw-3', scope: 'device', target: 'vinh-an-c01' }),
      ],
      messages('vi'),
      inventory,
    );
    expect(text).toContain('Bảo trì:');
    expect(text).toMatch(
      /mw-1 {2}Xã Vĩnh An \(An Giang\) {2}15\/06\/2026 10:00 → 15\/06\/2026 12:30 {2}thay đài/,
    );
    expect(text).toMatch(/mw-2 {2}Ấp An Hòa, Xã Vĩnh An \(An Giang\) .*→ 15\/06\/2026 11:00 \(đã kết thúc\)/);
    expect(text).toContain('mw-3  thiết bị Cụm loa chợ (vinh-an-c01), Xã Vĩnh An (An Giang)');
    expect(text).not.toMatch(/Z\b|an-giang\/vinh-an/);
  });

  it('in English with --lang en, with ids where the inventory does not know the place', () => {
    const text = formatMaintenance([window({ commune: 'gone' })], messages('en'), undefined);
    expect(text).toContain('Maintenance:');
    expect(text).toContain('mw-1  an-giang/gone');
    expect(formatMaintenance([], messages('en'), inventory)).toBe('No maintenance window.\n');
    expect(formatMaintenance([], messages('vi'), inventory)).toBe('Không có đợt bảo trì nào.\n');
  });
});
