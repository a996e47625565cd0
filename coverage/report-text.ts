import type { UnitType } from '../protocol/index.js';
import { utcOffsetMs } from './model.js';
import type { CommunePeriod, PeriodReport, PeriodVerdict } from './report.js';

/**
 * The report for people: Vietnamese first, place names, local time, decimal commas. The words live in
 * this one table until the catalogue of issue 13; the CSV keeps stable ids and dots for machines.
 */
const VERDICT: Record<PeriodVerdict, string> = {
  met: 'Đạt',
  not_met: 'Không đạt',
  unverified: 'Chưa kiểm chứng được (FM/hữu tuyến)',
  maintenance: 'Đang bảo trì',
  no_data: 'Không có dữ liệu',
};
const UNIT: Record<UnitType, string> = { xa: 'Xã', phuong: 'Phường', dac_khu: 'Đặc khu' };
const OUTAGE_STATUS: Record<string, string> = {
  uncovered: 'mất loa',
  unserved: 'không có cụm loa',
  at_risk: 'mất loa (có nguy cơ)',
};

const minutes = (ms: number) => Math.round(ms / 60_000);

export function durationText(ms: number): string {
  // An outage shorter than a minute is listed too: in seconds, not as "0 phút".
  if (ms > 0 && ms < 59_500) return `${Math.max(1, Math.round(ms / 1000))} giây`;
  const total = minutes(ms);
  const h = Math.floor(total / 60);
  return h > 0 ? `${h} giờ ${total % 60} phút` : `${total} phút`;
}

/** 65,76 (Vietnamese decimal comma). */
export function viNumber(n: number, decimals = 2): string {
  return n.toFixed(decimals).replace('.', ',');
}

function local(ms: number, timezone: string): string {
  const d = new Date(ms + utcOffsetMs(timezone, ms)).toISOString();
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11, 16)}`;
}

function periodText(r: PeriodReport): string {
  return r.kind === 'month' ? `tháng ${r.period.slice(5)}/${r.period.slice(0, 4)}` : `năm ${r.period}`;
}

const outageMs = (c: CommunePeriod) => c.outages.reduce((n, o) => n + o.to - o.from, 0);

export function reportMarkdown(r: PeriodReport): string {
  const counted = r.communes.filter((c) => c.applies);
  const met = counted.filter((c) => c.verdict === 'met').length;
  const pct = (n: number, of: number) => (of > 0 ? `${viNumber((100 * n) / of)} %` : '—');
  const first = r.communes[0];
  const elapsed = first?.daysElapsed ?? 0;
  const days = first?.days ?? 0;
  const share = viNumber(r.criterion.dayCoveredShare * 100, 0);
  const number = r.criterion.number === '' ? '' : ` ${r.criterion.number}`;
  const lines = [
    `# Báo cáo tiêu chí${number} “${r.criterion.name.vi}”, ${periodText(r)}`,
    '',
    `_Criterion${number} report (${r.criterion.name.en}), ${r.period}._`,
    '',
    `Giờ địa phương (${r.timezone}). ${
      r.complete
        ? `Đủ ${days} ngày.`
        : `Tạm tính đến ${local(r.asOf, r.timezone)}: ${elapsed}/${days} ngày đã qua; ngày đang diễn ra và những ngày chưa đến (${days - elapsed} ngày) không được tính.`
    }`,
    `Một ngày đạt khi mọi ấp có loa hoạt động ít nhất ${share} % thời gian của ngày; cả kỳ đạt khi ít nhất ${share} % số ngày được đánh giá (đạt hoặc không đạt) là ngày đạt. Ngày không có dữ liệu được ghi riêng, không tính là không đạt.`,
    '',
    `**${met}/${counted.length} xã đạt (${pct(met, counted.length)}).**${
      counted.length < r.communes.length
        ? ` ${r.communes.length - counted.length} phường/đặc khu được liệt kê nhưng không thuộc diện đánh giá.`
        : ''
    }`,
    '',
    '| Tỉnh | Đơn vị | Ngày đạt | Ngày không đạt | Ngày chưa kiểm chứng | Ngày bảo trì | Ngày không có dữ liệu | Tỷ lệ thời gian ấp có loa | Ngày có phát thanh | Sự cố | Thời gian sự cố | Kết luận |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.communes.map(
      (c) =>
        `| ${c.provinceName} | ${UNIT[c.unit]} ${c.name.replace(/^(Xã|Phường|Đặc khu) /, '')} | ${c.daysMet}/${c.daysElapsed} | ${c.daysNotMet} | ${c.daysUnverified} | ${c.daysMaintenance} | ${c.daysNoData} | ${
          c.availabilityPct === null ? 'không có dữ liệu' : `${viNumber(c.availabilityPct)} %`
        } | ${c.broadcastDays} | ${r.kind === 'month' ? c.outages.length : '—'} | ${r.kind === 'month' ? durationText(outageMs(c)) : '—'} | ${
          c.applies ? VERDICT[c.verdict] : `${VERDICT[c.verdict]} (không thuộc diện)`
        } |`,
    ),
  ];
  if (r.kind === 'month') {
    lines.push(
      '',
      '## Sự cố (Outages)',
      '',
      '| Xã | Ấp | Loại | Từ | Đến | Thời lượng |',
      '|---|---|---|---|---|---|',
      ...r.communes.flatMap((c) =>
        c.outages.map(
          (o) =>
            `| ${c.name} | ${o.name} | ${OUTAGE_STATUS[o.status] ?? o.status} | ${local(o.from, r.timezone)} | ${
              o.ongoing ? 'đang tiếp diễn' : local(o.to, r.timezone)
            } | ${durationText(o.to - o.from)} |`,
        ),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Machine-readable: stable ids and column names, dots for decimals, ISO times in UTC. */
export function reportCsv(r: PeriodReport): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = [
    [
      'province',
      'commune',
      'name',
      'unit',
      'applies',
      'days',
      'days_elapsed',
      'days_to_come',
      'days_met',
      'days_not_met',
      'days_unverified',
      'days_maintenance',
      'days_no_data',
      'hamlet_availability_pct',
      'broadcast_days',
      'outages',
      'outage_minutes',
      'verdict',
      'outage_list',
    ],
    ...r.communes.map((c) => [
      c.province,
      c.commune,
      c.name,
      c.unit,
      String(c.applies),
      String(c.days),
      String(c.daysElapsed),
      String(c.daysToCome),
      String(c.daysMet),
      String(c.daysNotMet),
      String(c.daysUnverified),
      String(c.daysMaintenance),
      String(c.daysNoData),
      c.availabilityPct === null ? '' : c.availabilityPct.toFixed(2),
      String(c.broadcastDays),
      String(c.outages.length),
      String(minutes(outageMs(c))),
      c.verdict,
      c.outages
        .map(
          (o) => `${o.hamlet} ${new Date(o.from).toISOString()}/${new Date(o.to).toISOString()} ${o.status}`,
        )
        .join('; '),
    ]),
  ];
  return `${rows.map((row) => row.map(q).join(',')).join('\n')}\n`;
}
