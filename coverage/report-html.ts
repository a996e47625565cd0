import type { Messages } from '../i18n/index.js';
import type { PeriodReport, PeriodVerdict } from './report.js';
import type { ReportMap } from './report-map.js';
import {
  clustersText,
  durationIn,
  linkName,
  outageCause,
  outageKind,
  outageRows,
  outageMs,
  reportTitle,
  statementLines,
  stationText,
  unitLabel,
  verdictText,
} from './report-text.js';

/**
 * The printable report: one self-contained HTML file (no script, no font, no image fetched at view
 * time), A4 print CSS, the statement first, the tables, and a map of the clusters and hamlets drawn
 * as inline SVG from the inventory's coordinates.
 */

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const VERDICT_COLOURS: Record<PeriodVerdict, string> = {
  met: '#1a7f37',
  not_met: '#cf222e',
  unverified: '#8c959f',
  maintenance: '#0969da',
  no_data: '#d0d7de',
};

const CSS = `
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 24px; color: #1f2328; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.4em; }
.statement p { font-weight: bold; margin: 0.3em 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #afb8c1; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
td.n { text-align: right; }
svg.map { width: 100%; max-height: 150mm; border: 1px solid #d0d7de; }
svg.map text { font-size: 14px; fill: #1f2328; }
svg.map text.outage { fill: #bc4c00; font-weight: bold; }
.note { font-size: 9pt; color: #57606a; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  table { page-break-inside: auto; } tr { page-break-inside: avoid; }
  h2 { page-break-after: avoid; }
  svg.map { page-break-inside: avoid; }
}
`;

/** The map as SVG: longitude and latitude scaled alike at the province's latitude. */
function mapSvg(r: PeriodReport, map: ReportMap, m: Messages): string {
  const points = [...map.clusters, ...map.hamlets];
  if (points.length === 0) return '';
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const [south, north, west, east] = [
    Math.min(...lats),
    Math.max(...lats),
    Math.min(...lons),
    Math.max(...lons),
  ];
  const k = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const width = 800;
  const spanX = Math.max((east - west) * k, 1e-4);
  const spanY = Math.max(north - south, 1e-4);
  const height = Math.round(Math.min(1000, Math.max(300, (width * spanY) / spanX)));
  const pad = 30;
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const x = (lon: number) => (pad + (lon - west) * k * scale).toFixed(1);
  const y = (lat: number) => (pad + (north - lat) * scale).toFixed(1);
  const verdict = new Map(r.communes.map((c) => [c.commune, c.verdict]));
  const hadOutage = new Set(r.communes.flatMap((c) => c.outages.map((o) => `${c.commune}/${o.hamlet}`)));
  const marks = map.clusters.map((c) => {
    const colour = VERDICT_COLOURS[verdict.get(c.commune) ?? 'no_data'];
    const title = `<title>${esc(`${c.name} (${linkName(c.link, m)})`)}</title>`;
    return c.monitored
      ? `<circle class="cluster" data-device="${esc(c.id)}" cx="${x(c.lon)}" cy="${y(c.lat)}" r="8" fill="${colour}">${title}</circle>`
      : `<circle class="cluster unverified" data-device="${esc(c.id)}" cx="${x(c.lon)}" cy="${y(c.lat)}" r="8" fill="none" stroke="${VERDICT_COLOURS.unverified}" stroke-width="2">${title}</circle>`;
  });
  const labels = map.hamlets.map(
    (h) =>
      `<text class="hamlet${hadOutage.has(`${h.commune}/${h.id}`) ? ' outage' : ''}" x="${x(h.lon)}" y="${(Number(y(h.lat)) - 12).toFixed(1)}" text-anchor="middle">${esc(h.name)}</text>`,
  );
  return [
    `<h2>${esc(m.t('report.map.title'))}</h2>`,
    `<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(m.t('report.map.title'))}">`,
    ...marks,
    ...labels,
    '</svg>',
    `<p class="note">${esc(m.t('report.map.legend'))}</p>`,
  ].join('\n');
}

export function reportHtml(r: PeriodReport, m: Messages, map?: ReportMap): string {
  const { statement, failed, unverified } = statementLines(r, m);
  const withOutages = r.kind !== 'year';
  const td = (v: string, numeric = false) => `<td${numeric ? ' class="n"' : ''}>${esc(v)}</td>`;
  const th = (keys: readonly string[]) =>
    `<tr>${keys.map((k) => `<th>${esc(m.t(`report.col.${k}` as Parameters<Messages['t']>[0]))}</th>`).join('')}</tr>`;
  const list = (title: string, items: string[]) =>
    items.length === 0
      ? ''
      : `<h2>${esc(title)}</h2><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
  const communes = r.communes.map((c) => {
    return `<tr>${[
      td(unitLabel(c, m)),
      td(c.hamlets === null ? '—' : `${c.hamletsMet ?? 0}/${c.hamlets}`, true),
      td(stationText(c, m)),
      td(clustersText(c, m)),
      td(`${c.daysMet}/${c.daysElapsed}`, true),
      td(c.availabilityPct === null ? m.t('report.noData') : m.percent(c.availabilityPct), true),
      td(withOutages ? String(c.outages.length) : '—', true),
      td(withOutages ? durationIn(outageMs(c), m) : '—', true),
      td(verdictText(c, m)),
    ].join('')}</tr>`;
  });
  const outages = r.communes.flatMap((c) =>
    outageRows(c).map(
      (o) =>
        `<tr>${[
          td(c.name),
          td(o.name),
          td(outageKind(o.status, m)),
          td(m.time(o.from, r.timezone)),
          td(o.ongoing ? m.t('report.ongoing') : m.time(o.to, r.timezone)),
          td(durationIn(o.to - o.from, m), true),
          td(outageCause(o, m)),
        ].join('')}</tr>`,
    ),
  );
  return `<!doctype html>
<html lang="${m.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(reportTitle(r, m))}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(reportTitle(r, m))}</h1>
<section class="statement">${statement.map((s) => `<p>${esc(s)}</p>`).join('\n')}</section>
${list(m.t('report.failed.title'), failed)}
${list(m.t('report.unverified.title'), unverified)}
<h2>${esc(m.t('report.communes.title'))}</h2>
<table>
${th(['unit', 'hamlets', 'station', 'clusters', 'daysMet', 'availability', 'outages', 'outageTime', 'verdict'])}
${communes.join('\n')}
</table>
${
  withOutages && outages.length > 0
    ? `<h2>${esc(m.t('report.outages.title'))}</h2>
<table>
${th(['commune', 'hamlet', 'kind', 'from', 'to', 'duration', 'cause'])}
${outages.join('\n')}
</table>`
    : ''
}
${map === undefined ? '' : mapSvg(r, map, m)}
<p class="note">${esc(m.t('report.generated', { at: m.time(r.asOf, r.timezone) }))}</p>
</body>
</html>
`;
}
