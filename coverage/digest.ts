import type { Alert } from './alert.js';
import { alertTitle } from './points.js';

/** Alerts carried in full in one digest; the rest are counted only (MQTT and InfluxDB have them all). */
export const DIGEST_SAMPLE = 50;
/** Titles spelled out in the chat text of a digest. */
const TITLES_IN_TEXT = 10;
/** Communes named in the chat text of a digest, most alerts first. */
const COMMUNES_IN_TEXT = 5;

/** One webhook body for a burst of alerts: counts for people, a sample for machines. */
export interface AlertDigest {
  text: string;
  content: string;
  digest: true;
  count: number;
  /** `{ firing: { hamlet_uncovered: 37, … }, resolved: { … } }` */
  counts: Record<Alert['state'], Record<string, number>>;
  /** Alerts per `province/commune`. */
  communes: Record<string, number>;
  /** The first alerts of the burst, in full. */
  alerts: Alert[];
}

/**
 * A regional power cut silences hundreds of hamlets within one evaluation: one chat message per hamlet
 * would bury the on-call phone and hit the chat service's rate limit. A burst therefore goes out as one
 * digest: how many of each kind, where most of them are, and the first few by name.
 */
export function alertDigest(alerts: readonly Alert[]): AlertDigest {
  const counts: AlertDigest['counts'] = { firing: {}, resolved: {} };
  const communes: Record<string, number> = {};
  for (const a of alerts) {
    const byKind = counts[a.state];
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    const place = `${a.where.province}/${a.where.commune}`;
    communes[place] = (communes[place] ?? 0) + 1;
  }
  const summary = (['firing', 'resolved'] as const)
    .map((state) => {
      const kinds = Object.entries(counts[state]).sort((a, b) => b[1] - a[1]);
      const total = kinds.reduce((n, [, c]) => n + c, 0);
      return total === 0
        ? ''
        : `${total} ${state.toUpperCase()} (${kinds.map(([k, c]) => `${c} ${k}`).join(', ')})`;
    })
    .filter((s) => s !== '')
    .join('; ');
  const top = Object.entries(communes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, COMMUNES_IN_TEXT)
    .map(([place, n]) => `${place} ${n}`);
  const more = Object.keys(communes).length - top.length;
  const titles = alerts.slice(0, TITLES_IN_TEXT).map((a) => `- ${alertTitle(a)}`);
  const rest = alerts.length - titles.length;
  const text = [
    `${alerts.length} alerts at once: ${summary}`,
    `Most in: ${top.join(', ')}${more > 0 ? `, and ${more} more communes` : ''}`,
    ...titles,
    ...(rest > 0 ? [`… and ${rest} more (all of them on the alert dashboards)`] : []),
  ].join('\n');
  return {
    text,
    content: text.slice(0, 2000),
    digest: true,
    count: alerts.length,
    counts,
    communes,
    alerts: alerts.slice(0, DIGEST_SAMPLE),
  };
}
