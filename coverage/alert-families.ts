import type { Alert, AlertBook } from './alert.js';
import { deviceLabel, downReason, evidenceOf, evidenceOfAll } from './describe.js';
import {
  AT_RISK,
  COMMUNE_AT_RISK,
  COVERED,
  DEVICE_MAINTENANCE,
  NOT_MET,
  STATION_DOWN,
  UNCOVERED,
  UNSERVED,
  UNVERIFIED_HAMLET,
  type Evaluation,
} from './evaluate.js';
import type { AlertTexts } from './messages.js';
import type { CoverageModel } from './model.js';
import {
  alertDevice,
  alertHamletPlace,
  alertPlace,
  communeOf,
  criterionOf,
  offsetOf,
  placeName,
  whereOf,
} from './places.js';
import type { FleetState } from './state.js';

/** What the condition alerts read: the evaluation, and when each place's status began (changes.ts). */
export interface AlertInputs {
  model: CoverageModel;
  state: FleetState;
  ev: Evaluation;
  book: AlertBook;
  /** The alert texts in the configured language. */
  say: AlertTexts;
  hamletSince: Float64Array;
  communeSince: Float64Array;
}

interface FamilyInputs extends AlertInputs {
  /** Per hamlet: 1 when a monitored cluster serves it (an FM-only hamlet has nothing to page about). */
  hamletMonitored: Uint8Array;
  /** Alert ids per device and per hamlet, made the first time each is needed (see `alertIds`). */
  offlineIds: (string | undefined)[];
  batteryIds: (string | undefined)[];
  uncoveredIds: (string | undefined)[];
  unverifiedIds: (string | undefined)[];
}

type Family = (inputs: FamilyInputs, t: number, out: (Alert | undefined)[]) => void;

/** The condition alerts, family by family, each held and resolved by the book's hysteresis. */
const FAMILIES: readonly Family[] = [deviceAlerts, hamletAlerts, communeAlerts];

/** The condition alerts after an evaluation: the alerts that fire or resolve now. */
export function createConditionAlerts(inputs: AlertInputs): (t: number) => (Alert | undefined)[] {
  const { model } = inputs;
  const hamletMonitored = new Uint8Array(model.hamletIds.length);
  for (let h = 0; h < model.hamletIds.length; h++) {
    for (let e = model.hamletDeviceStart[h] ?? 0; e < (model.hamletDeviceStart[h + 1] ?? 0); e++) {
      if (model.deviceMonitored[model.hamletDevices[e] ?? 0] === 1) hamletMonitored[h] = 1;
    }
  }
  // A subject down for hours is held every tick: its id is built once, not once per tick (at national
  // size thousands of strings every few seconds were most of the tick's garbage).
  const all: FamilyInputs = {
    ...inputs,
    hamletMonitored,
    offlineIds: [],
    batteryIds: [],
    uncoveredIds: [],
    unverifiedIds: [],
  };
  return (t) => {
    const out: (Alert | undefined)[] = [];
    inputs.book.beginPass();
    for (const family of FAMILIES) family(all, t, out);
    return out;
  };
}

/**
 * device_offline and on_battery: only devices that have reported at least once; a box never
 * commissioned shows as its hamlet's gap instead of one page per device on the first day.
 */
function deviceAlerts(
  { model, state, ev, book, say, offlineIds, batteryIds }: FamilyInputs,
  t: number,
  out: (Alert | undefined)[],
): void {
  const { deviceMonitored } = model;
  const { lastHeard, onBatterySince } = state;
  const { deviceUp } = ev;
  for (let d = 0; d < model.devices.length; d++) {
    if (deviceMonitored[d] === 0 || (lastHeard[d] ?? 0) === 0) continue;
    // Nearly every device is up on mains: nothing to hold, nothing to look up.
    if (deviceUp[d] === 1 && (onBatterySince[d] ?? 0) === 0) continue;
    const device = model.devices[d];
    if (device === undefined) continue;
    const c = model.deviceCommune[d] ?? 0;
    const offset = offsetOf(model, c);
    const held =
      ev.communeMaintenance[c] === 1 ||
      (ev.deviceUp[d] === 1 ? ev.deviceStatus[d] === DEVICE_MAINTENANCE : (ev.deviceHeldUntil[d] ?? 0) > 0);
    if (ev.deviceUp[d] === 0) {
      const since = ev.deviceDownSince[d] ?? t;
      out.push(
        book.hold(
          (offlineIds[d] ??= `device_offline/${device.province}/${device.commune}/${device.device}`),
          'device_offline',
          since,
          t,
          () => ({
            severity: 'warning',
            where: { ...whereOf(model, c), device: device.device },
            message: say.deviceOffline({
              device: deviceLabel(model, d, say),
              place: placeName(model, say, c),
              serves: hamletNamesOf(model, d) || say.servesStudio,
              ...evidenceOf(model, state, ev, d, offset, say),
            }),
            devices: [device.device],
          }),
          held,
        ),
      );
    }
    // A device that dies on battery is still without mains: its on_battery must not read "back".
    if ((state.onBatterySince[d] ?? 0) !== 0) {
      const since = state.onBatterySince[d] ?? t;
      out.push(
        book.hold(
          (batteryIds[d] ??= `on_battery/${device.province}/${device.commune}/${device.device}`),
          'on_battery',
          since,
          t,
          () => ({
            severity: 'warning',
            where: { ...whereOf(model, c), device: device.device },
            message: say.onBattery(
              deviceLabel(model, d, say),
              placeName(model, say, c),
              say.time(since, offset),
            ),
            devices: [device.device],
          }),
          held,
        ),
      );
    }
  }
  out.push(
    ...book.endPass('device_offline', t, (a) =>
      say.deviceBack(
        alertDevice(model, say, a),
        alertPlace(model, say, a),
        a.since,
        t,
        offsetOf(model, communeOf(model, a)),
      ),
    ),
    ...book.endPass('on_battery', t, (a) =>
      say.onMains(
        alertDevice(model, say, a),
        alertPlace(model, say, a),
        a.since,
        t,
        offsetOf(model, communeOf(model, a)),
      ),
    ),
  );
}

/** hamlet_uncovered (no up cluster) and hamlet_unverified (IP clusters down, FM/wired ones unknown). */
function hamletAlerts(
  { model, state, ev, book, say, hamletSince, hamletMonitored, uncoveredIds, unverifiedIds }: FamilyInputs,
  t: number,
  out: (Alert | undefined)[],
): void {
  for (let h = 0; h < model.hamletIds.length; h++) {
    const status = ev.hamletStatus[h];
    const uncovered = status === AT_RISK || status === UNCOVERED;
    if (!uncovered && !(status === UNVERIFIED_HAMLET && hamletMonitored[h] === 1)) continue;
    const c = model.hamletCommune[h] ?? 0;
    const since = (ev.hamletDownSince[h] ?? 0) || (hamletSince[h] ?? t);
    const commune = model.communes[c];
    const hamlet = model.hamletIds[h] ?? '';
    const kind = uncovered ? 'hamlet_uncovered' : 'hamlet_unverified';
    const ids = uncovered ? uncoveredIds : unverifiedIds;
    out.push(
      book.hold(
        (ids[h] ??= `${kind}/${commune?.province ?? ''}/${commune?.id ?? ''}/${hamlet}`),
        kind,
        since,
        t,
        () => {
          const offset = offsetOf(model, c);
          const devices = servingDevices(model, h);
          const why = (list: number[]) =>
            list.map((d) => downReason(model, state, ev, d, offset, say)).join('; ');
          const place = placeName(model, say, c, h);
          const at = say.time(since, offset);
          const evidence = evidenceOfAll(model, state, ev, devices, offset, say);
          const monitored = devices.filter((d) => model.deviceMonitored[d] === 1);
          const unmonitored = devices.filter((d) => model.deviceMonitored[d] === 0);
          return {
            severity: uncovered ? 'critical' : 'warning',
            where: { ...whereOf(model, c), hamlet },
            message: uncovered
              ? say.hamletUncovered(place, at, why(devices), evidence.causes, evidence.heard)
              : say.hamletUnverified(
                  {
                    place,
                    since: at,
                    down: why(monitored),
                    unmonitored: unmonitored.map((d) => deviceLabel(model, d, say)).join(', '),
                  },
                  evidence.causes,
                  evidence.heard,
                ),
            devices: devices.map((d) => model.devices[d]?.device ?? ''),
          };
        },
        ev.hamletHeld[h] === 1 || ev.communeMaintenance[c] === 1,
      ),
    );
  }
  for (const kind of ['hamlet_uncovered', 'hamlet_unverified'] as const) {
    out.push(
      ...book.endPass(kind, t, (a) =>
        say.hamletBack(alertHamletPlace(model, say, a), a.since, t, offsetOf(model, communeOf(model, a))),
      ),
    );
  }
}

/**
 * commune_criterion_lost (the id is kept for the consoles and rules that know it): the commune is at
 * risk of not meeting its criterion, never "lost", since a live outage is not the period's verdict.
 * Only for communes the criterion applies to.
 */
function communeAlerts(
  { model, ev, book, say, communeSince }: FamilyInputs,
  t: number,
  out: (Alert | undefined)[],
): void {
  for (let c = 0; c < model.communes.length; c++) {
    const status = ev.communeStatus[c];
    const commune = model.communes[c];
    if ((status !== COMMUNE_AT_RISK && status !== NOT_MET) || commune?.assessed !== true) continue;
    const since = communeSince[c] ?? t;
    out.push(
      book.hold(
        `commune_criterion_lost/${commune.province}/${commune.id}`,
        'commune_criterion_lost',
        since,
        t,
        () => ({
          severity: 'critical',
          where: whereOf(model, c),
          message: say.communeAtRisk({
            place: placeName(model, say, c),
            criterion: criterionText(model, say, c),
            since: say.time(since, offsetOf(model, c)),
            gaps: communeGaps(model, say, ev, c),
            beyondGrace: status === NOT_MET,
          }),
        }),
        ev.communeHeld[c] === 1,
      ),
    );
  }
  out.push(
    ...book.endPass('commune_criterion_lost', t, (a) => {
      const c = communeOf(model, a);
      return say.communeSafe(
        alertPlace(model, say, a),
        criterionText(model, say, c),
        a.since,
        t,
        offsetOf(model, c),
      );
    }),
  );
}

function criterionText(model: CoverageModel, say: AlertTexts, c: number): string {
  const criterion = criterionOf(model, c);
  return criterion === undefined ? '' : say.criterion(criterion);
}

/** What stands between a commune and its criterion, in words. */
function communeGaps(model: CoverageModel, say: AlertTexts, ev: Evaluation, c: number): string {
  const gaps: string[] = [];
  if (ev.communeStation[c] === STATION_DOWN && criterionOf(model, c)?.stationRequired !== false)
    gaps.push(say.gap.stationDown());
  const irregular: string[] = [];
  for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
    const s = ev.hamletStatus[h];
    const name = model.hamletNames[h] ?? '';
    if (s === AT_RISK) gaps.push(say.gap.hamletAtRisk(name));
    else if (s === UNCOVERED) gaps.push(say.gap.hamletUncovered(name));
    else if (s === UNSERVED) gaps.push(say.gap.hamletUnserved(name));
    else if (s === COVERED && ev.hamletRegular[h] === 0) irregular.push(name);
  }
  const criterion = criterionOf(model, c);
  if (irregular.length > 0 && criterion !== undefined)
    gaps.push(say.gap.irregular(criterion.regularDays, criterion.regularWindowDays, irregular.join(', ')));
  return gaps.join('; ');
}

/** The clusters serving hamlet h. */
function servingDevices(model: CoverageModel, h: number): number[] {
  const out: number[] = [];
  for (let e = model.hamletDeviceStart[h] ?? 0; e < (model.hamletDeviceStart[h + 1] ?? 0); e++) {
    out.push(model.hamletDevices[e] ?? 0);
  }
  return out;
}

/** The names of the hamlets device d serves. */
function hamletNamesOf(model: CoverageModel, d: number): string {
  const out: string[] = [];
  for (let e = model.deviceHamletStart[d] ?? 0; e < (model.deviceHamletStart[d + 1] ?? 0); e++) {
    out.push(model.hamletNames[model.deviceHamlets[e] ?? 0] ?? '');
  }
  return out.join(', ');
}
