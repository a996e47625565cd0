import { messages, type Lang } from '../i18n/index.js';
import type { Alert, AlertKind } from './alert.js';
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
 * digest, in the alerts' language: how many of each kind, where most of them are (by name), and the
 * first few titles.
 */
export function alertDigest(alerts: readonly Alert[], lang: Lang): AlertDigest {
  const m = messages(lang);
  const counts: AlertDigest['counts'] = { firing: {}, resolved: {} };
  const communes: Record<string, number> = {};
  /** `province/commune` → the name people read (the alert's `place`, else the id). */
  const names = new Map<string, string>();
  for (const a of alerts) {
    const byKind = counts[a.state];
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    const place = `${a.where.province}/${a.where.commune}`;
    communes[place] = (communes[place] ?? 0) + 1;
    if (a.place !== undefined) names.set(place, a.place);
  }
  const summary = (['firing', 'resolved'] as const)
    .map((state) => {
      const kinds = Object.entries(counts[state]).sort((a, b) => b[1] - a[1]);
      const total = kinds.reduce((n, [, c]) => n + c, 0);
      const list = kinds
        .map(([k, n]) => m.t('alert.digest.kind', { n, what: m.t(`alert.kind.${k as AlertKind}`) }))
        .join(', ');
      return total === 0 ? '' : m.t(`alert.digest.${state}`, { n: total, kinds: list });
    })
    .filter((s) => s !== '')
    .join('; ');
  const top = Object.entries(communes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, COMMUNES_IN_TEXT)
    .map(([place, n]) => `${names.get(place) ?? place} ${m.number(n)}`)
    .join(', ');
  const more = Object.keys(communes).length - COMMUNES_IN_TEXT;
  const titles = alerts.slice(0, TITLES_IN_TEXT).map((a) => `- ${a.title ?? alertTitle(a)}`);
  const rest = alerts.length - titles.length;
  const text = [
    m.t('alert.digest.head', { n: alerts.length, summary }),
    m.t('alert.digest.most', {
      list: more > 0 ? m.t('alert.digest.moreCommunes', { list: top, n: more }) : top,
    }),
    ...titles,
    ...(rest > 0 ? [m.t('alert.digest.rest', { n: rest })] : []),
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
