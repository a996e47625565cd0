import { messages, type Lang, type Messages } from '../i18n/index.js';
import type { Criterion, InventoryLink } from '../protocol/index.js';
import type { Alert, AlertKind } from './alert.js';
import type { Cause } from './cause.js';

/**
 * What alerts say to people, in the configured language (the catalogues `i18n/vi.ts`, `i18n/en.ts`),
 * with place names and the province's local time. Each text says what, where, since when, the likely
 * cause from the evidence and what to check; each resolution how long it lasted. Ids, kinds and JSON
 * fields stay language-free.
 */
export type AlertTexts = ReturnType<typeof build>;

/** One device in a list of why a place is silent. */
export type DeviceWhy =
  | { state: 'up' | 'unmonitored' | 'never'; label: string; link: InventoryLink }
  | { state: 'down'; label: string; link: InventoryLink; since: string; causes: readonly Cause[] };

const texts = new Map<Lang, AlertTexts>();

export function alertTexts(lang: Lang): AlertTexts {
  let out = texts.get(lang);
  if (out === undefined) {
    out = build(messages(lang));
    texts.set(lang, out);
  }
  return out;
}

function build(m: Messages) {
  /** Local time in a zone `utcOffsetMs` from UTC, as the report writes it; "never" for 0. */
  const time = (ms: number, utcOffsetMs: number) =>
    ms <= 0 ? m.t('alert.never') : m.time(ms + utcOffsetMs, 'UTC');
  const causeText = (c: Cause, heard: string) => m.t(`alert.cause.${c}`, { heard });
  /** "Likely cause: …. Check: …." for the causes found (none: nothing is said). */
  const advice = (causes: readonly Cause[], heard: string, checks: readonly string[] = []): string => {
    const all = [...causes.map((c) => m.t(`alert.check.${c}`)), ...checks];
    return [
      causes.length > 0
        ? m.t('alert.likely', { causes: causes.map((c) => causeText(c, heard)).join('; ') })
        : '',
      all.length > 0 ? m.t('alert.check', { checks: all.join('; ') }) : '',
    ]
      .filter((s) => s !== '')
      .join(' ');
  };
  const sentence = (...parts: string[]) => parts.filter((p) => p !== '').join(' ');
  const lasted = (since: number, at: number, utcOffsetMs: number) => ({
    lasted: m.duration(Math.max(0, at - since)),
    since: time(since, utcOffsetMs),
  });

  return {
    lang: m.lang,
    time,
    date: (ms: number, utcOffsetMs: number) => m.date(ms + utcOffsetMs, 'UTC'),
    /** `CẢNH BÁO · Ấp mất loa · Ấp An Hòa, Xã Vĩnh An (An Giang)`: the first line of a chat message. */
    title: (alert: Pick<Alert, 'kind' | 'state'>, place: string) =>
      m.t(`alert.title.${alert.state}`, { what: m.t(`alert.kind.${alert.kind}`), place }),
    kind: (kind: AlertKind) => m.t(`alert.kind.${kind}`),
    /** `Xã Vĩnh An (An Giang)`; with a hamlet `Ấp An Hòa, Xã Vĩnh An (An Giang)`. */
    place: (commune: string, province: string, hamlet?: string) =>
      hamlet === undefined
        ? m.t('alert.place', { commune, province })
        : m.t('alert.place.hamlet', { hamlet, commune, province }),
    goneFromInventory: (commune: string, province: string) => m.t('alert.place.gone', { commune, province }),
    /** `tiêu chí 8.3 "Xã có đài truyền thanh …"`, or without a number when the edition has none. */
    criterion: (c: Criterion) =>
      m.t('alert.criterion', { number: c.number === '' ? '' : `${c.number} `, name: c.name[m.lang] }),
    /** A device as people know it: its inventory name and its id (on the box's label), else kind and id. */
    device: (id: string, kind: 'station' | 'cluster', name?: string) =>
      m.t(name === undefined ? 'alert.device.unnamed' : 'alert.device.named', {
        name: name ?? '',
        id,
        kind: m.t(`alert.device.${kind}`),
      }),
    servesStudio: m.t('alert.servesStudio'),
    link: (link: InventoryLink) => m.t(`report.link.${link}`),

    deviceWhy(w: DeviceWhy): string {
      const link = m.t(`report.link.${w.link}`);
      if (w.state !== 'down') return m.t(`alert.why.${w.state}`, { device: w.label, link });
      // The causes are said once for the whole alert (`advice`), not per device.
      const what = m.t(`alert.what.${w.causes[0] ?? 'link_silence'}`);
      return m.t('alert.why.down', { device: w.label, link, what, since: w.since });
    },

    deviceOffline(o: {
      device: string;
      place: string;
      since: string;
      serves: string;
      causes: readonly Cause[];
      heard: string;
    }): string {
      return sentence(
        m.t('alert.deviceOffline', {
          device: o.device,
          place: o.place,
          what: m.t(`alert.what.${o.causes[0] ?? 'link_silence'}`),
          since: o.since,
          serves: o.serves,
        }),
        advice(o.causes, o.heard),
      );
    },
    deviceBack: (device: string, place: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.deviceBack', { device, place, ...lasted(since, at, utcOffsetMs) }),
    onBattery: (device: string, place: string, since: string) =>
      sentence(
        m.t('alert.onBattery', { device, place, since }),
        advice([], '', [m.t('alert.check.battery')]),
      ),
    onMains: (device: string, place: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.onMains', { device, place, ...lasted(since, at, utcOffsetMs) }),

    hamletUncovered: (
      place: string,
      since: string,
      devices: string,
      causes: readonly Cause[],
      heard: string,
    ) => sentence(m.t('alert.hamletUncovered', { place, since, devices }), advice(causes, heard)),
    /** IP clusters down, FM/wired ones present: they may still play, nobody can tell. */
    hamletUnverified: (
      o: { place: string; since: string; down: string; unmonitored: string },
      causes: readonly Cause[],
      heard: string,
    ) => sentence(m.t('alert.hamletUnverified', o), advice(causes, heard, [m.t('alert.check.unverified')])),
    hamletBack: (place: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.hamletBack', { place, ...lasted(since, at, utcOffsetMs) }),

    communeAtRisk: (o: {
      place: string;
      criterion: string;
      since: string;
      gaps: string;
      beyondGrace: boolean;
    }) =>
      sentence(
        m.t(o.beyondGrace ? 'alert.communeAtRisk.late' : 'alert.communeAtRisk', {
          place: o.place,
          criterion: o.criterion,
          since: o.since,
          gaps: o.gaps,
        }),
        m.t('alert.check', { checks: m.t('alert.check.commune') }),
      ),
    communeSafe: (place: string, criterion: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.communeSafe', { place, criterion, ...lasted(since, at, utcOffsetMs) }),
    gap: {
      stationDown: () => m.t('alert.gap.stationDown'),
      hamletAtRisk: (name: string) => m.t('alert.gap.hamletAtRisk', { name }),
      hamletUncovered: (name: string) => m.t('alert.gap.hamletUncovered', { name }),
      hamletUnserved: (name: string) => m.t('alert.gap.hamletUnserved', { name }),
      irregular: (days: number, window: number, names: string) =>
        m.t('alert.gap.irregular', { days, window: window + 1, names }),
    },

    broadcastMissed: (o: { place: string; window: string; day: string; devices: string; count: number }) =>
      sentence(m.t('alert.broadcastMissed', o), m.t('alert.check', { checks: m.t('alert.check.broadcast') })),
    broadcastKept: (place: string, window: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.broadcastKept', { place, window, ...lasted(since, at, utcOffsetMs) }),
    emergencyUndelivered: (o: {
      bulletin: string;
      place: string;
      played: number;
      since: string;
      missing: string;
    }) =>
      sentence(
        m.t('alert.emergencyUndelivered', o),
        m.t('alert.check', { checks: m.t('alert.check.emergency') }),
      ),
    emergencyDelivered: (bulletin: string, place: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.emergencyDelivered', { bulletin, place, ...lasted(since, at, utcOffsetMs) }),
    removed: (what: string, since: number, at: number, utcOffsetMs: number) =>
      m.t('alert.removed', { what, ...lasted(since, at, utcOffsetMs) }),
  };
}
