import { messages, type Messages } from '../i18n/index.js';
import type { InventoryLink } from '../protocol/index.js';
import type { CommunePeriod, Outage, PeriodReport } from './report.js';
import { statementOf } from './statement.js';

/**
 * The report for people: Vietnamese first (English with `--lang en`), place names, local time, the
 * reader's number format. The statement in the official form comes first. The CSV keeps stable ids and
 * dots for machines.
 */

const minutes = (ms: number) => Math.round(ms / 60_000);

/** An outage shorter than a minute is listed too: in seconds, not as "0 phút". */
export function durationIn(ms: number, m: Messages): string {
  return m.duration(ms);
}

/** Vietnamese, for callers without a language. */
export function durationText(ms: number): string {
  return durationIn(ms, messages('vi'));
}

/** The statement's percentage as provinces write it: at most two decimals, none when whole (`100%`). */
function statementPct(pct: number, m: Messages): string {
  return `${m.number(Math.round(pct * 100) / 100, 2).replace(/[.,]00$/, '')}%`;
}

export function periodName(r: PeriodReport, m: Messages): string {
  if (r.kind === 'month')
    return m.t('report.period.month', { month: r.period.slice(5), year: r.period.slice(0, 4) });
  if (r.kind === 'year') return m.t('report.period.year', { year: r.period });
  return m.t('report.period.day', { date: m.date(r.from, r.timezone) });
}

export function reportTitle(r: PeriodReport, m: Messages): string {
  const number = r.criterion.number === '' ? '' : ` ${r.criterion.number}`;
  return m.t('report.title', { number, name: r.criterion.name[m.lang], period: periodName(r, m) });
}

/** The rows of the outage table: outages and maintenance spans, in time order. */
export const outageRows = (c: CommunePeriod): Outage[] =>
  [...c.outages, ...c.maintenance].sort((a, b) => a.from - b.from);

/** A commune's outages over the period, summed. */
export const outageMs = (c: CommunePeriod) => c.outages.reduce((n, o) => n + o.to - o.from, 0);

/** Why a commune did not meet the criterion, from its days, hamlets and outages. */
function why(c: CommunePeriod, r: PeriodReport, m: Messages): string {
  if (c.verdict === 'maintenance') return m.t('report.why.maintenance', { n: c.daysMaintenance });
  if (c.verdict === 'no_data') return m.t('report.why.no_data', { n: c.daysNoData });
  const parts = [
    m.t('report.why.days', {
      met: c.daysMet,
      judged: c.daysMet + c.daysNotMet,
      share: statementPct(r.criterion.dayCoveredShare * 100, m),
    }),
  ];
  if (c.hamlets !== null)
    parts.push(m.t('report.why.hamlets', { met: c.hamletsMet ?? 0, hamlets: c.hamlets }));
  if (c.availabilityPct !== null)
    parts.push(m.t('report.why.availability', { pct: m.percent(c.availabilityPct) }));
  if (r.kind !== 'year' && c.outages.length > 0)
    parts.push(m.t('report.why.outages', { n: c.outages.length, duration: durationIn(outageMs(c), m) }));
  return parts.join('; ');
}

/**
 * The first lines of every format: "Toàn tỉnh có X/Y xã đạt tiêu chí «…» (đạt tỷ lệ Z%)" per assessed
 * unit type, what the others were, the unit types not assessed; then the failed and the unverified.
 */
export function statementLines(
  r: PeriodReport,
  m: Messages,
): { statement: string[]; failed: string[]; unverified: string[] } {
  const s = statementOf(r);
  const units = (unit: CommunePeriod['unit'], n: number) => m.t(`report.unit.${unit}`, { n });
  const statement: string[] = [];
  for (const u of s.counted) {
    statement.push(
      m.t('report.statement', {
        met: u.met,
        units: units(u.unit, u.total),
        criterion: r.criterion.name[m.lang],
        pct: statementPct(u.pct, m),
      }),
    );
    const rest = (
      [
        ['report.rest.not_met', u.notMet],
        ['report.rest.unverified', u.unverified],
        ['report.rest.maintenance', u.maintenance],
        ['report.rest.no_data', u.noData],
      ] as const
    )
      .filter(([, n]) => n > 0)
      .map(([key, n]) => m.t(key, { units: units(u.unit, n) }));
    if (rest.length > 0) statement.push(m.t('report.rest', { list: rest.join(', ') }));
  }
  if (s.notCounted.length > 0)
    statement.push(
      m.t('report.notCounted', { list: s.notCounted.map((u) => units(u.unit, u.n)).join(', ') }),
    );
  return {
    statement,
    failed: s.failed.map((c) => `${c.name}: ${why(c, r, m)}`),
    unverified: s.unverified.map((c) =>
      c.unverifiedHamlets.length > 0
        ? m.t('report.unverified.item', { name: c.name, hamlets: c.unverifiedHamlets.join(', ') })
        : m.t('report.unverified.days', { name: c.name, n: c.daysUnverified }),
    ),
  };
}

const UNIT_PREFIX = /^(Xã|Phường|Đặc khu) /;

/** "Xã Tân Lập" in Vietnamese; "Commune Tân Lập" reads oddly, so English keeps the name as written. */
export function unitLabel(c: CommunePeriod, m: Messages): string {
  return m.lang === 'vi'
    ? `${m.t(`report.unitName.${c.unit}`)} ${c.name.replace(UNIT_PREFIX, '')}`
    : `${c.name} (${m.t(`report.unitName.${c.unit}`).toLowerCase()})`;
}

export function linkName(link: InventoryLink, m: Messages): string {
  return m.t(`report.link.${link}`);
}

/** "4G 2/3, FM 1": monitored clusters up of those listed (when states were stored), FM/wired by count. */
export function clustersText(c: CommunePeriod, m: Messages): string {
  const known = Object.keys(c.clustersUp).length > 0 || c.stationStatus !== null;
  const parts = Object.entries(c.clusters).map(([link, n]) => {
    const l = link as InventoryLink;
    const monitored = l !== 'fm' && l !== 'wired';
    return `${linkName(l, m)} ${monitored && known ? `${c.clustersUp[l] ?? 0}/${n}` : n}`;
  });
  return parts.length > 0 ? parts.join(', ') : m.t('report.none');
}

/** "4G (hoạt động)": the station's link and, when stored, its status at the period's end. */
export function stationText(c: CommunePeriod, m: Messages): string {
  if (c.station === null) return m.t('report.none');
  const status = c.stationStatus === null ? '' : ` (${m.t(`report.device.${c.stationStatus}`)})`;
  return `${linkName(c.station, m)}${status}`;
}

export function verdictText(c: CommunePeriod, m: Messages): string {
  const v = m.t(`report.verdict.${c.verdict}`);
  return c.applies ? v : m.t('report.notApplicable', { verdict: v });
}

/** The likely causes of an outage in words; "unknown" when none was recorded, "—" when nothing serves the hamlet. */
export function outageCause(o: Outage, m: Messages): string {
  if (o.causes.length > 0) return o.causes.map((c) => m.t(`report.cause.${c}`)).join(', ');
  return o.status === 'unserved' ? '—' : m.t('report.cause.unknown');
}

export function outageKind(status: string, m: Messages): string {
  return status === 'uncovered' || status === 'unserved' || status === 'at_risk' || status === 'maintenance'
    ? m.t(`report.outage.${status}`)
    : status;
}

export function reportMarkdown(r: PeriodReport, m: Messages = messages('vi')): string {
  const first = r.communes[0];
  const elapsed = first?.daysElapsed ?? 0;
  const days = first?.days ?? 0;
  const share = statementPct(r.criterion.dayCoveredShare * 100, m);
  const { statement, failed, unverified } = statementLines(r, m);
  const withOutages = r.kind !== 'year';
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [`# ${reportTitle(r, m)}`, '', ...statement.flatMap((s) => [`**${s}**`, ''])];
  if (failed.length > 0)
    lines.push(`## ${m.t('report.failed.title')}`, '', ...failed.map((f) => `- ${f}`), '');
  if (unverified.length > 0)
    lines.push(`## ${m.t('report.unverified.title')}`, '', ...unverified.map((f) => `- ${f}`), '');
  lines.push(
    r.complete
      ? m.t('report.complete', { zone: r.timezone, n: days })
      : m.t('report.provisional', {
          zone: r.timezone,
          asOf: m.time(r.asOf, r.timezone),
          elapsed,
          n: days,
          toCome: days - elapsed,
        }),
    m.t('report.rule', { share }),
    '',
    `## ${m.t('report.communes.title')}`,
    '',
    row(
      (
        [
          'province',
          'unit',
          'daysMet',
          'daysNotMet',
          'daysUnverified',
          'daysMaintenance',
          'daysNoData',
          'availability',
          'broadcastDays',
          'outages',
          'outageTime',
          'verdict',
          'hamlets',
          'station',
          'clusters',
        ] as const
      ).map((k) => m.t(`report.col.${k}`)),
    ),
    `|${'---|'.repeat(15)}`,
    ...r.communes.map((c) =>
      row([
        c.provinceName,
        unitLabel(c, m),
        `${c.daysMet}/${c.daysElapsed}`,
        String(c.daysNotMet),
        String(c.daysUnverified),
        String(c.daysMaintenance),
        String(c.daysNoData),
        c.availabilityPct === null ? m.t('report.noData') : m.percent(c.availabilityPct),
        String(c.broadcastDays),
        withOutages ? String(c.outages.length) : '—',
        withOutages ? durationIn(outageMs(c), m) : '—',
        verdictText(c, m),
        c.hamlets === null ? '—' : `${c.hamletsMet ?? 0}/${c.hamlets}`,
        stationText(c, m),
        clustersText(c, m),
      ]),
    ),
  );
  if (withOutages) {
    lines.push(
      '',
      `## ${m.t('report.outages.title')}`,
      '',
      row(
        (['commune', 'hamlet', 'kind', 'from', 'to', 'duration', 'cause'] as const).map((k) =>
          m.t(`report.col.${k}`),
        ),
      ),
      '|---|---|---|---|---|---|---|',
      ...r.communes.flatMap((c) =>
        outageRows(c).map((o) =>
          row([
            c.name,
            o.name,
            outageKind(o.status, m),
            m.time(o.from, r.timezone),
            o.ongoing ? m.t('report.ongoing') : m.time(o.to, r.timezone),
            durationIn(o.to - o.from, m),
            outageCause(o, m),
          ]),
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
      'hamlets',
      'hamlets_met',
      'station',
      'clusters',
      'clusters_up',
      'station_status',
      'unverified_hamlets',
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
          (o) =>
            `${o.hamlet} ${new Date(o.from).toISOString()}/${new Date(o.to).toISOString()} ${o.status}${o.causes.length > 0 ? ` ${o.causes.join('+')}` : ''}`,
        )
        .join('; '),
      c.hamlets === null ? '' : String(c.hamlets),
      c.hamletsMet === null ? '' : String(c.hamletsMet),
      c.station ?? '',
      Object.entries(c.clusters)
        .map(([link, n]) => `${link}:${n}`)
        .join(';'),
      Object.entries(c.clustersUp)
        .map(([link, n]) => `${link}:${n}`)
        .join(';'),
      c.stationStatus ?? '',
      c.unverifiedHamlets.join('; '),
    ]),
  ];
  return `${rows.map((row) => row.map(q).join(',')).join('\n')}\n`;
}
