import type { Alert } from './alert.js';
import { CAUSES, deviceCauses, type Cause } from './cause.js';
import type { Evaluation } from './evaluate.js';
import type { AlertTexts } from './messages.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/** The name people know a device by: its inventory `name` with its id, else its kind and id. */
export function deviceLabel(m: CoverageModel, d: number, say: AlertTexts): string {
  const device = m.devices[d];
  return say.device(device?.device ?? '', device?.kind ?? 'cluster', device?.name);
}

/**
 * What an alert is about, by name as model `m` knows it (the device's label, `hamlet, commune`, or the
 * commune): for a place removed from the inventory, the model of the engine that knew it.
 */
export function placeLabel(m: CoverageModel, w: Alert['where'], say: AlertTexts): string {
  if (w.device !== undefined) {
    const d = m.deviceIndex.get(w.device);
    return d === undefined ? w.device : deviceLabel(m, d, say);
  }
  const c = m.communes.findIndex((x) => x.id === w.commune && x.province === w.province);
  const commune = m.communes[c];
  if (commune === undefined) return w.hamlet ?? w.commune;
  if (w.hamlet === undefined) return commune.name;
  for (let h = m.communeHamletStart[c] ?? 0; h < (m.communeHamletStart[c + 1] ?? 0); h++) {
    if (m.hamletIds[h] === w.hamlet) return `${m.hamletNames[h] ?? w.hamlet}, ${commune.name}`;
  }
  return w.hamlet;
}

/** What the evidence says of device `d`: its causes (empty when up), and when it was last heard. */
export function evidenceOf(
  m: CoverageModel,
  s: FleetState,
  ev: Evaluation,
  d: number,
  offset: number,
  say: AlertTexts,
): { causes: Cause[]; since: string; heard: string } {
  return {
    causes: deviceCauses(m, s, ev, d),
    since: say.time(ev.deviceDownSince[d] ?? 0, offset),
    heard: say.time(s.lastHeard[d] ?? 0, offset),
  };
}

/** The causes of several devices, distinct, most telling first; and the latest time any of them was heard. */
export function evidenceOfAll(
  m: CoverageModel,
  s: FleetState,
  ev: Evaluation,
  devices: readonly number[],
  offset: number,
  say: AlertTexts,
): { causes: Cause[]; heard: string } {
  const causes = new Set<Cause>();
  let heard = 0;
  for (const d of devices) {
    for (const c of deviceCauses(m, s, ev, d)) causes.add(c);
    heard = Math.max(heard, s.lastHeard[d] ?? 0);
  }
  return { causes: CAUSES.filter((c) => causes.has(c)), heard: say.time(heard, offset) };
}

/** Why a device is (not) working, in plain words, in the alert's language. */
export function downReason(
  m: CoverageModel,
  s: FleetState,
  ev: Evaluation,
  d: number,
  offset: number,
  say: AlertTexts,
): string {
  const device = m.devices[d];
  if (device === undefined) return '';
  const label = deviceLabel(m, d, say);
  const link = device.link;
  if (!device.monitored) return say.deviceWhy({ label, link, state: 'unmonitored' });
  if (ev.deviceUp[d] === 1) return say.deviceWhy({ label, link, state: 'up' });
  if ((s.lastHeard[d] ?? 0) === 0) return say.deviceWhy({ label, link, state: 'never' });
  return say.deviceWhy({ label, link, state: 'down', ...evidenceOf(m, s, ev, d, offset, say) });
}
