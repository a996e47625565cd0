// What `loa coverage` and `loa simulate load|backfill` show operators: the reader's language (Vietnamese
// by default, English with --lang en), place names and the province's local time; CSV and JSON keep
// stable column names, ids and UTC for machines.
import { describe, expect, it } from 'vitest';
import type { CommuneCoverageRow, HamletCoverageRow } from '../coverage/index.js';
import { messages } from '../i18n/index.js';
import { formatBulletin, formatCommunes, formatHamlets } from './coverage-cmd.js';
import { formatBackfill } from './simulate-backfill-cmd.js';
import { formatLoad } from './simulate-load-cmd.js';

const ZONE = 'Asia/Ho_Chi_Minh';
// 2026-06-15 05:12 in Vietnam.
const SINCE = Date.UTC(2026, 5, 14, 22, 12);

const commune: CommuneCoverageRow = {
  province: 'an-giang',
  commune: 'vinh-an',
  name: 'Xã Vĩnh An',
  status: 'at_risk',
  hamlets: 2,
  covered: 1,
  unmonitored: 0,
  regular: 2,
  station: 'up',
  maintenance: false,
  unit: 'xa',
  assessed: true,
  since: SINCE,
  at: SINCE,
};

const hamlet: HamletCoverageRow = {
  province: 'an-giang',
  commune: 'vinh-an',
  hamlet: 'an-hoa',
  name: 'Ấp An Hòa',
  status: 'uncovered',
  regular: true,
  regularityJudged: false,
  broadcastDays: 3,
  clusters: 2,
  clustersUp: 0,
  clustersUnmonitored: 1,
  since: SINCE,
  at: SINCE,
};

describe('loa coverage', () => {
  it('a table for people in Vietnamese by default: headers, statuses, local time', () => {
    const table = formatCommunes([commune], 'table', messages('vi'), ZONE);
    expect(table.split('\n')[0]).toMatch(
      /^tỉnh +xã +tên +ấp có loa +đài xã +phát thường xuyên +tiêu chí +từ lúc$/,
    );
    expect(table).toMatch(
      /an-giang +vinh-an +Xã Vĩnh An +1\/2 +hoạt động +2\/2 +có nguy cơ không đạt +15\/06\/2026 05:12/,
    );
    expect(table).toContain('0/1 xã đạt tiêu chí lúc này, 1 có nguy cơ; 1/2 ấp có loa hoạt động.');
    const hamlets = formatHamlets([hamlet], 'table', messages('vi'), ZONE);
    expect(hamlets.split('\n')[0]).toMatch(/^ấp +tên +tình trạng +cụm hoạt động +cụm FM\/hữu tuyến/);
    expect(hamlets).toMatch(/an-hoa +Ấp An Hòa +mất loa +0\/1 +1 +3 +chưa đánh giá +15\/06\/2026 05:12/);
  });

  it('in English with --lang en', () => {
    const table = formatCommunes([{ ...commune, maintenance: true }], 'table', messages('en'), ZONE);
    expect(table.split('\n')[0]).toMatch(/^province +commune +name +hamlets covered +station/);
    expect(table).toMatch(/Xã Vĩnh An +1\/2 +up +2\/2 +at risk \(under maintenance\) +2026-06-15 05:12/);
    expect(table).toContain(
      '0/1 communes meet the criterion now, 1 at risk; 1/2 hamlets have working loudspeakers.',
    );
    expect(formatHamlets([hamlet], 'table', messages('en'), ZONE)).toMatch(
      /an-hoa +Ấp An Hòa +loudspeakers down +0\/1 +1 +3 +not judged yet +2026-06-15 05:12/,
    );
  });

  it('CSV keeps stable column names, ids and UTC whatever the language', () => {
    for (const lang of ['vi', 'en'] as const) {
      const csv = formatCommunes([commune], 'csv', messages(lang), ZONE);
      expect(csv.split('\n')[0]).toBe(
        'province,commune,name,hamlets covered,station,operating regularly,criterion,since',
      );
      expect(csv).toContain('an-giang,vinh-an,Xã Vĩnh An,1/2,up,2/2,at_risk,2026-06-14 22:12Z');
      expect(formatHamlets([hamlet], 'csv', messages(lang), ZONE)).toContain(
        'an-hoa,Ấp An Hòa,uncovered,0/1,1,3,not_judged,2026-06-14 22:12Z',
      );
    }
  });

  it('a bulletin: who played it, in the reader’s words and local time', () => {
    const deliveries = [
      {
        province: 'an-giang',
        commune: 'vinh-an',
        name: 'Xã Vĩnh An',
        played: [{ device: 'vinh-an-c01', status: 'completed', start: SINCE }],
        missing: ['vinh-an-c02'],
        unmonitored: ['vinh-an-fm03'],
      },
    ];
    const vi = formatBulletin('AG-1', deliveries, messages('vi'), ZONE);
    expect(vi).toContain('Bản tin AG-1');
    expect(vi).toContain('Xã Vĩnh An (an-giang/vinh-an): 1 cụm đã phát, 1 cụm chưa phát');
    expect(vi).toMatch(/đã phát +vinh-an-c01 {2}completed {2}15\/06\/2026 05:12/);
    expect(vi).toMatch(/CHƯA PHÁT +vinh-an-c02/);
    expect(formatBulletin('AG-1', deliveries, messages('en'), ZONE)).toMatch(
      /played +vinh-an-c01 {2}completed {2}2026-06-15 05:12/,
    );
  });
});

describe('loa simulate load and backfill', () => {
  it('say what was sent and what InfluxDB must hold, in the reader’s language', () => {
    const load = { sent: 12_345, acked: 12_340, failed: 5, seconds: 10.04, devices: 1892 };
    const r = load as Parameters<typeof formatLoad>[0];
    expect(formatLoad(r, messages('vi'))).toBe(
      'đã gửi 12.345, đã xác nhận 12.340, lỗi 5 trong 10,0 giây (1.229 bản ghi/s được xác nhận)\n' +
        'dự kiến trong InfluxDB: 12.340 điểm heartbeat từ 1.892 thiết bị\n',
    );
    expect(formatLoad(r, messages('en'))).toBe(
      'sent 12,345, acknowledged 12,340, failed 5 in 10.0 s (1,229 msg/s acknowledged)\n' +
        'expected in InfluxDB: 12,340 heartbeat points from 1,892 devices\n',
    );
  });

  it('the backfill in local time', () => {
    const r = {
      from: SINCE,
      until: SINCE + 86_400_000,
      liveFrom: SINCE + 86_400_000,
      points: 2000,
      measurements: { heartbeat: 1500, broadcast: 500 },
      devices: { a: { heartbeats: 1, broadcasts: 1 } },
      outages: [],
      rejected: 0,
      seconds: 2,
    };
    expect(formatBackfill(r, messages('vi'), ZONE)).toBe(
      'đã ghi 2.000 điểm trong 2,0 giây (1.000 điểm/s): broadcast 500, heartbeat 1.500\n' +
        '  từ 15/06/2026 05:12 đến 16/06/2026 05:12 (giờ địa phương)\n' +
        '  0 sự cố trên 1 thiết bị được giám sát\n' +
        '  dừng lúc 16/06/2026 05:12, nơi dữ liệu thật bắt đầu (giữ nguyên)\n',
    );
    expect(formatBackfill(r, messages('en'), ZONE)).toContain(
      '  from 2026-06-15 05:12 to 2026-06-16 05:12 (local time)',
    );
  });
});
