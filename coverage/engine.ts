import type { Channel, Inventory, MessageOf } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';
import { AlertBook, type Alert, type AlertKind, type AlertRule } from './alert.js';
import { deviceLabel, downReason } from './describe.js';
import {
  AT_RISK,
  COMMUNE_AT_RISK,
  COVERED,
  DEVICE_MAINTENANCE,
  Evaluation,
  evaluate,
  MEETS,
  NOT_MET,
  STATION_DOWN,
  UNCOVERED,
  UNSERVED,
  UNVERIFIED,
  UNVERIFIED_HAMLET,
  type LiveHolds,
} from './evaluate.js';
import { applyMaintenance, type MaintenanceWindow } from './maintenance.js';
import * as say from './messages.js';
import { buildModel, DAY_MS, localDay, type CoverageModel } from './model.js';
import { snapshotClock } from './history/snapshots.js';
import { alertLine, communeLine, deviceLine, hamletLine, provinceLine } from './points.js';
import type { AlertSink } from './sinks.js';
import { FleetState } from './state.js';

/** Defaults of docs/coverage.md, each configurable (docs/coverage.md). */
export const DEFAULT_ALERT_RULES: Readonly<Record<AlertKind, AlertRule>> = {
  hamlet_uncovered: { fireAfterMs: 10 * 60_000, resolveAfterMs: 2 * 60_000 },
  hamlet_unverified: { fireAfterMs: 10 * 60_000, resolveAfterMs: 2 * 60_000 },
  commune_criterion_lost: { fireAfterMs: 10 * 60_000, resolveAfterMs: 2 * 60_000 },
  // Liveness already waits 3 heartbeats; 10 s more lets a reconnecting box come back unannounced,
  // and 5 min of steady heartbeats before "resolved" keeps a flapping 4G link to one alert.
  device_offline: { fireAfterMs: 10_000, resolveAfterMs: 5 * 60_000 },
  on_battery: { fireAfterMs: 60_000, resolveAfterMs: 2 * 60_000 },
  broadcast_missed: { fireAfterMs: 0, resolveAfterMs: 0 },
  emergency_undelivered: { fireAfterMs: 0, resolveAfterMs: 0 },
};

/**
 * Messages that can put a device down at once (a Will or shutdown, an amplifier fault, a tripped relay):
 * the engine then wakes when that device's device_offline alert becomes due. Field checks only: this
 * runs for every message.
 */
function mayTakeDown(channel: Channel, message: MessageOf[Channel]): boolean {
  switch (channel) {
    case 'state':
      return !(message as MessageOf['state']).online;
    case 'event': {
      const type = (message as MessageOf['event']).type;
      return type === 'amp_fault' || type === 'relay_tripped';
    }
    case 'heartbeat': {
      const m = message as MessageOf['heartbeat'];
      return m.amp === 'fault' || m.relay === 'tripped';
    }
    case 'broadcast':
    case 'meta':
      return false;
    default:
      return channel satisfies never;
  }
}

/** Deadline wake-ups (see `nextDeviceDeadline`) come at most this often. */
const MIN_TICK_SPACING_MS = 200;

export interface CoverageEngineOptions {
  inventory: Inventory;
  logger: Logger;
  now?: () => number;
  sinks?: readonly AlertSink[];
  /** Receives coverage lines: every place at start and local midnight, then changes (history/snapshots.ts). */
  store?: { write(lines: readonly string[]): void };
  rules?: Partial<Record<AlertKind, Partial<AlertRule>>>;
  /** How often the fleet is evaluated at least; also when a device's deadline passes (see below). */
  evaluateEveryMs?: number;
  /** How often each province's counts are written, changed or not (the history's "engine running"). */
  writeEveryMs?: number;
  /** Every place written this often as well (before issue 12: every minute); the benchmark's baseline. */
  fullWriteEveryMs?: number;
  /** A broadcast log arrives after the broadcast ends: a window is judged this long after it closes. */
  broadcastGraceMs?: number;
  /** Emergency bulletins: clusters of a commune have this long after the first log to log it too. */
  emergencyWindowMs?: number;
  /**
   * After the platform starts, a device's silence is paged only once it had its 3 heartbeats plus
   * this long to reconnect (the agents' longest reconnect backoff, 60 s by default).
   */
  reconnectSpreadMs?: number;
  /** A device that published the `shutdown` state (an intended stop) is paged only after this long. */
  stoppedPageAfterMs?: number;
  /** false: no hold after start (tests of deadlines that start an engine on a live fleet). */
  holdAfterStart?: boolean;
  /** Fills the state from storage before the first evaluation (see restore.ts). */
  restore?: (engine: CoverageEngine) => Promise<void>;
  /**
   * An engine built on the previous inventory (a reload): its state, firing alerts and open bulletins
   * are taken over at start instead of a restore, and it is stopped without closing the shared sinks.
   */
  previous?: CoverageEngine;
}

interface Bulletin {
  commune: number;
  bulletin: string;
  firstAt: number;
  devices: Set<number>;
  checked: boolean;
}

export type CoverageEngine = ReturnType<typeof createCoverageEngine>;

/**
 * The coverage engine (docs/coverage.md): keeps the fleet's state live from the ingest's accepted
 * messages (constant time per message), evaluates each province's criterion for every hamlet, commune
 * and province on a timer, raises alerts with hysteresis, and writes coverage to InfluxDB. No I/O in
 * the constructor.
 */
export function createCoverageEngine(options: CoverageEngineOptions) {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const model: CoverageModel = buildModel(options.inventory, now());
  const state = new FleetState(model);
  const ev = new Evaluation(model);
  const rules = { ...DEFAULT_ALERT_RULES };
  for (const [kind, rule] of Object.entries(options.rules ?? {}) as [AlertKind, Partial<AlertRule>][]) {
    rules[kind] = { ...rules[kind], ...rule };
  }
  const book = new AlertBook(rules);
  const sinks = options.sinks ?? [];
  const evaluateEveryMs = options.evaluateEveryMs ?? 5000;
  const writeEveryMs = options.writeEveryMs ?? 60_000;
  const graceMs = options.broadcastGraceMs ?? 5 * 60_000;
  const emergencyMs = options.emergencyWindowMs ?? 15 * 60_000;
  const holds: LiveHolds = {
    startedAt: 0,
    reconnectSpreadMs: options.reconnectSpreadMs ?? 60_000,
    stoppedPageAfterMs: options.stoppedPageAfterMs ?? 2 * 3_600_000,
  };
  let maintenance: readonly MaintenanceWindow[] = [];

  const nh = model.hamletIds.length;
  const nc = model.communes.length;
  const nd = model.devices.length;
  /** Per hamlet: 1 when a monitored cluster serves it (an FM-only hamlet has nothing to page about). */
  const hamletMonitored = new Uint8Array(nh);
  for (let h = 0; h < nh; h++) {
    for (let e = model.hamletDeviceStart[h] ?? 0; e < (model.hamletDeviceStart[h + 1] ?? 0); e++) {
      if (model.deviceMonitored[model.hamletDevices[e] ?? 0] === 1) hamletMonitored[h] = 1;
    }
  }
  const prevDevice = new Uint8Array(nd).fill(255);
  const prevHamlet = new Uint8Array(nh).fill(255);
  const prevRegular = new Uint8Array(nh).fill(255);
  const hamletSince = new Float64Array(nh);
  const prevCommune = new Uint8Array(nc).fill(255);
  const prevStation = new Uint8Array(nc).fill(255);
  const prevMaintenance = new Uint8Array(nc).fill(255);
  const communeSince = new Float64Array(nc);
  /** Per commune × window slot, the local day whose window was last judged. */
  const windowJudged = new Int32Array(nc * state.windowSlots).fill(-1);
  const bulletins = new Map<string, Bulletin>();
  let startedAt = now();
  // History begins now unless storage holds older data (restore lowers it).
  state.historyStart = startedAt;
  const snapshots = snapshotClock(model, writeEveryMs, options.fullWriteEveryMs);
  let alertSeq = 0;
  let timer: NodeJS.Timeout | undefined;
  let evaluations = 0;

  function offsetOfCommune(c: number): number {
    return model.provinces[model.communes[c]?.provinceIndex ?? 0]?.utcOffsetMs ?? 0;
  }

  function observe(
    deviceId: string,
    channel: Channel,
    message: MessageOf[Channel],
    receivedAt: number,
  ): void {
    state.observe(deviceId, channel, message, receivedAt);
    if (mayTakeDown(channel, message)) wakeBy(receivedAt + rules.device_offline.fireAfterMs + 1);
    if (channel === 'broadcast') {
      const b = message as MessageOf['broadcast'];
      if (b.priority === 'emergency' && b.bulletin !== undefined) {
        noteBulletin(deviceId, b.bulletin, Math.min(receivedAt, b.end));
      }
    }
  }

  /** Emergency bulletins per commune: who logged it, and when the first did. */
  function noteBulletin(deviceId: string, bulletin: string, at: number): void {
    const d = model.deviceIndex.get(deviceId);
    if (d === undefined) return;
    const c = model.deviceCommune[d] ?? 0;
    const key = `${c}/${bulletin}`;
    let entry = bulletins.get(key);
    if (entry === undefined) {
      entry = { commune: c, bulletin, firstAt: at, devices: new Set(), checked: false };
      bulletins.set(key, entry);
    }
    if (at < entry.firstAt) entry.firstAt = at;
    entry.devices.add(d);
  }

  function emit(alerts: (Alert | undefined)[]): void {
    for (const alert of alerts) {
      if (alert === undefined) continue;
      logger.info({ alert: alert.id, state: alert.state }, alert.message);
      options.store?.write([alertLine(alert, alertSeq++)]);
      for (const sink of sinks) sink.deliver(alert);
    }
  }

  function where(c: number) {
    const commune = model.communes[c];
    return { province: commune?.province ?? '', commune: commune?.id ?? '' };
  }

  function placeName(c: number, hamlet?: number): string {
    const commune = model.communes[c];
    const province = model.provinces[commune?.provinceIndex ?? 0];
    return say.placeText(
      commune?.name ?? '',
      province?.name ?? '',
      hamlet === undefined ? undefined : (model.hamletNames[hamlet] ?? ''),
    );
  }

  function criterionOf(c: number) {
    return model.provinces[model.communes[c]?.provinceIndex ?? 0]?.criterion;
  }

  function servingDevices(h: number): number[] {
    const out: number[] = [];
    for (let e = model.hamletDeviceStart[h] ?? 0; e < (model.hamletDeviceStart[h + 1] ?? 0); e++) {
      out.push(model.hamletDevices[e] ?? 0);
    }
    return out;
  }

  function hamletNamesOf(d: number): string {
    const out: string[] = [];
    for (let e = model.deviceHamletStart[d] ?? 0; e < (model.deviceHamletStart[d + 1] ?? 0); e++) {
      out.push(model.hamletNames[model.deviceHamlets[e] ?? 0] ?? '');
    }
    return out.join(', ');
  }

  function alertPass(t: number): void {
    const out: (Alert | undefined)[] = [];
    book.beginPass();
    devicePass(t, out);
    hamletPass(t, out);
    communePass(t, out);
    emit(out);
  }

  /**
   * device_offline and on_battery: only devices that have reported at least once; a box never
   * commissioned shows as its hamlet's gap instead of one page per device on the first day.
   */
  function devicePass(t: number, out: (Alert | undefined)[]): void {
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
      const offset = offsetOfCommune(c);
      const held =
        ev.communeMaintenance[c] === 1 ||
        (ev.deviceUp[d] === 1 ? ev.deviceStatus[d] === DEVICE_MAINTENANCE : (ev.deviceHeldUntil[d] ?? 0) > 0);
      if (ev.deviceUp[d] === 0) {
        const since = ev.deviceDownSince[d] ?? t;
        out.push(
          book.hold(
            `device_offline/${device.province}/${device.commune}/${device.device}`,
            'device_offline',
            since,
            t,
            () => ({
              severity: 'warning',
              where: { ...where(c), device: device.device },
              message: say.deviceOfflineText({
                kind: device.kind,
                why: downReason(model, state, ev, d, offset),
                place: placeName(c),
                serves: hamletNamesOf(d) || say.deviceServesStudio,
              }),
              devices: [device.device],
            }),
            held,
          ),
        );
      } else if ((state.onBatterySince[d] ?? 0) !== 0) {
        const since = state.onBatterySince[d] ?? t;
        out.push(
          book.hold(
            `on_battery/${device.province}/${device.commune}/${device.device}`,
            'on_battery',
            since,
            t,
            () => ({
              severity: 'warning',
              where: { ...where(c), device: device.device },
              message: say.onBatteryText(deviceLabel(model, d), placeName(c), say.viTime(since, offset)),
              devices: [device.device],
            }),
            held,
          ),
        );
      }
    }
    out.push(
      ...book.endPass('device_offline', t, (a) => say.deviceBackText(alertDevice(a), alertPlace(a))),
      ...book.endPass('on_battery', t, (a) => say.onMainsText(alertDevice(a), alertPlace(a))),
    );
  }

  /** hamlet_uncovered (no up cluster) and hamlet_unverified (IP clusters down, FM/wired ones unknown). */
  function hamletPass(t: number, out: (Alert | undefined)[]): void {
    for (let h = 0; h < nh; h++) {
      const status = ev.hamletStatus[h];
      const uncovered = status === AT_RISK || status === UNCOVERED;
      if (!uncovered && !(status === UNVERIFIED_HAMLET && hamletMonitored[h] === 1)) continue;
      const c = model.hamletCommune[h] ?? 0;
      const since = (ev.hamletDownSince[h] ?? 0) || (hamletSince[h] ?? t);
      const commune = model.communes[c];
      const hamlet = model.hamletIds[h] ?? '';
      const kind = uncovered ? 'hamlet_uncovered' : 'hamlet_unverified';
      out.push(
        book.hold(
          `${kind}/${commune?.province ?? ''}/${commune?.id ?? ''}/${hamlet}`,
          kind,
          since,
          t,
          () => {
            const offset = offsetOfCommune(c);
            const devices = servingDevices(h);
            const why = (list: number[]) =>
              list.map((d) => downReason(model, state, ev, d, offset)).join('; ');
            const place = placeName(c, h);
            const at = say.viTime(since, offset);
            const monitored = devices.filter((d) => model.deviceMonitored[d] === 1);
            const unmonitored = devices.filter((d) => model.deviceMonitored[d] === 0);
            return {
              severity: uncovered ? 'critical' : 'warning',
              where: { ...where(c), hamlet },
              message: uncovered
                ? say.hamletUncoveredText(place, at, why(devices))
                : say.hamletUnverifiedText(
                    place,
                    at,
                    why(monitored),
                    unmonitored.map((d) => deviceLabel(model, d)).join(', '),
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
          say.hamletBackText(alertHamletPlace(a), say.viTime(a.since, offsetOfCommune(communeOf(a)))),
        ),
      );
    }
  }

  /**
   * commune_criterion_lost (the id is kept for the consoles and rules that know it): the commune is at
   * risk of not meeting its criterion, never "lost", since a live outage is not the period's verdict.
   * Only for communes the criterion applies to.
   */
  function communePass(t: number, out: (Alert | undefined)[]): void {
    for (let c = 0; c < nc; c++) {
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
            where: where(c),
            message: say.communeAtRiskText({
              place: placeName(c),
              criterion: criterionText(c),
              since: say.viTime(since, offsetOfCommune(c)),
              gaps: communeGaps(c),
              beyondGrace: status === NOT_MET,
            }),
          }),
          ev.communeHeld[c] === 1,
        ),
      );
    }
    out.push(
      ...book.endPass('commune_criterion_lost', t, (a) => {
        const c = communeOf(a);
        return say.communeSafeText(alertPlace(a), criterionText(c));
      }),
    );
  }

  function criterionText(c: number): string {
    const criterion = criterionOf(c);
    return criterion === undefined ? '' : say.criterionText(criterion);
  }

  function communeOf(alert: Alert): number {
    const c = model.communes.findIndex(
      (x) => x.id === alert.where.commune && x.province === alert.where.province,
    );
    return c < 0 ? 0 : c;
  }

  /** Whether the place an alert is about (device, hamlet or commune) is in this engine's inventory. */
  function inModel(w: Alert['where']): boolean {
    if (w.device !== undefined) return model.deviceIndex.has(w.device);
    return placeIndex(w) !== undefined;
  }

  /** The commune (and hamlet) numbers of an alert's place; undefined when gone from the inventory. */
  function placeIndex(w: Alert['where']): { c: number; h?: number } | undefined {
    const c = model.communes.findIndex((x) => x.id === w.commune && x.province === w.province);
    if (c < 0) return undefined;
    if (w.hamlet === undefined) return { c };
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      if (model.hamletIds[h] === w.hamlet) return { c, h };
    }
    return undefined;
  }

  /** The commune of an alert by name; after an inventory change it may be gone from the model. */
  function alertPlace(alert: Alert): string {
    const p = placeIndex({ province: alert.where.province, commune: alert.where.commune });
    return p ? placeName(p.c) : say.goneFromInventoryText(alert.where.commune, alert.where.province);
  }

  function alertHamletPlace(alert: Alert): string {
    const p = placeIndex(alert.where);
    return p ? placeName(p.c, p.h) : `${alert.where.hamlet ?? ''}, ${alertPlace(alert)}`;
  }

  function alertDevice(alert: Alert): string {
    const d = model.deviceIndex.get(alert.where.device ?? '');
    return d === undefined ? (alert.where.device ?? '') : deviceLabel(model, d);
  }

  function communeGaps(c: number): string {
    const gaps: string[] = [];
    if (ev.communeStation[c] === STATION_DOWN && criterionOf(c)?.stationRequired !== false)
      gaps.push(say.gapText.stationDown);
    const irregular: string[] = [];
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      const s = ev.hamletStatus[h];
      const name = model.hamletNames[h] ?? '';
      if (s === AT_RISK) gaps.push(say.gapText.hamletAtRisk(name));
      else if (s === UNCOVERED) gaps.push(say.gapText.hamletUncovered(name));
      else if (s === UNSERVED) gaps.push(say.gapText.hamletUnserved(name));
      else if (s === COVERED && ev.hamletRegular[h] === 0) irregular.push(name);
    }
    const criterion = criterionOf(c);
    if (irregular.length > 0 && criterion !== undefined)
      gaps.push(
        say.gapText.irregular(criterion.regularDays, criterion.regularWindowDays, irregular.join(', ')),
      );
    return gaps.join('; ');
  }

  /**
   * broadcast_missed: a scheduled window closed (plus grace) and an up cluster logged nothing in it.
   * Yesterday's windows are looked at too: a window ending after 23:55 closes, with its grace, on the
   * next local day.
   */
  function windowPass(t: number): void {
    const out: (Alert | undefined)[] = [];
    for (let c = 0; c < nc; c++) {
      const commune = model.communes[c];
      if (commune === undefined || commune.schedule.length === 0) continue;
      const offset = offsetOfCommune(c);
      const today = localDay(t, offset);
      commune.schedule.forEach((w, k) => {
        for (const day of [today - 1, today]) {
          const slot = c * state.windowSlots + k;
          const closes = day * DAY_MS - offset + w.endMin * 60_000 + graceMs;
          if (t < closes || (windowJudged[slot] ?? -1) >= day) continue;
          windowJudged[slot] = day;
          // Windows that closed before the engine started were judged by the previous run (or never).
          if (closes < startedAt) continue;
          out.push(judgeWindow(c, k, day, closes, t));
        }
      });
    }
    emit(out);
  }

  function judgeWindow(c: number, k: number, day: number, closes: number, t: number): Alert | undefined {
    const commune = model.communes[c];
    const w = commune?.schedule[k];
    if (commune === undefined || w === undefined) return undefined;
    const offset = offsetOfCommune(c);
    const missed: string[] = [];
    for (let d = model.communeDeviceStart[c] ?? 0; d < (model.communeDeviceStart[c + 1] ?? 0); d++) {
      if (model.deviceCluster[d] === 0 || ev.deviceUp[d] === 0) continue;
      if (state.windowDay[d * state.windowSlots + k] !== day) missed.push(model.devices[d]?.device ?? '');
    }
    const id = `broadcast_missed/${commune.province}/${commune.id}`;
    if (missed.length === 0) return book.resolve(id, t, say.broadcastKeptText(placeName(c), w.text));
    if (ev.communeMaintenance[c] === 1) return undefined;
    return book.fire({
      id,
      kind: 'broadcast_missed',
      severity: 'warning',
      where: where(c),
      since: closes - graceMs,
      ts: t,
      devices: missed,
      message: say.broadcastMissedText({
        place: placeName(c),
        window: w.text,
        day: say.viTime(closes - graceMs - 60_000, offset).slice(6),
        devices: missed.join(', '),
        count: missed.length,
      }),
    });
  }

  /** emergency_undelivered: some clusters of a commune logged an emergency bulletin, others not in time. */
  function bulletinPass(t: number): void {
    const out: (Alert | undefined)[] = [];
    for (const [key, b] of bulletins) {
      if (t - b.firstAt > 7 * DAY_MS) {
        bulletins.delete(key);
        continue;
      }
      if (t - b.firstAt < emergencyMs) continue;
      const commune = model.communes[b.commune];
      if (commune === undefined) continue;
      const missing: number[] = [];
      for (
        let d = model.communeDeviceStart[b.commune] ?? 0;
        d < (model.communeDeviceStart[b.commune + 1] ?? 0);
        d++
      ) {
        if (model.deviceCluster[d] === 1 && model.deviceMonitored[d] === 1 && !b.devices.has(d))
          missing.push(d);
      }
      const id = `emergency_undelivered/${commune.province}/${commune.id}/${b.bulletin}`;
      const offset = offsetOfCommune(b.commune);
      if (missing.length > 0 && !b.checked) {
        out.push(
          book.fire({
            id,
            kind: 'emergency_undelivered',
            severity: 'critical',
            where: where(b.commune),
            since: b.firstAt,
            ts: t,
            devices: missing.map((d) => model.devices[d]?.device ?? ''),
            message: say.emergencyUndeliveredText({
              bulletin: b.bulletin,
              place: placeName(b.commune),
              played: b.devices.size,
              since: say.viTime(b.firstAt, offset),
              missing: missing.map((d) => downReason(model, state, ev, d, offset)).join('; '),
            }),
          }),
        );
      } else if (missing.length === 0 && b.checked) {
        out.push(book.resolve(id, t, say.emergencyDeliveredText(b.bulletin, placeName(b.commune))));
      }
      b.checked = true;
    }
    emit(out);
  }

  /** Status changes since the last pass, with the time each status began; lines for what changed. */
  function changePass(t: number, full: boolean): string[] {
    const lines: string[] = [];
    const changedCommunes = new Set<number>();
    for (let d = 0; d < nd; d++) {
      const s = ev.deviceStatus[d] ?? 0;
      if (s !== prevDevice[d]) {
        prevDevice[d] = s;
        if (!full) lines.push(deviceLine(model, ev, d, t));
      }
    }
    for (let h = 0; h < nh; h++) {
      const s = ev.hamletStatus[h] ?? 0;
      const r = ev.hamletRegular[h] ?? 0;
      if (s !== prevHamlet[h] || r !== prevRegular[h]) {
        if (s !== prevHamlet[h]) {
          // A gap began when its last working cluster went down (data time), whatever it is called.
          const down = ev.hamletDownSince[h] ?? 0;
          hamletSince[h] = s !== COVERED && down > 0 ? down : t;
        }
        prevHamlet[h] = s;
        prevRegular[h] = r;
        changedCommunes.add(model.hamletCommune[h] ?? 0);
        if (!full) lines.push(hamletLine(model, ev, h, hamletSince[h] ?? t, t));
      }
    }
    for (let c = 0; c < nc; c++) {
      const s = ev.communeStatus[c] ?? 0;
      if (s !== prevCommune[c]) {
        const wasGap = prevCommune[c] === COMMUNE_AT_RISK || prevCommune[c] === NOT_MET;
        const isGap = s === COMMUNE_AT_RISK || s === NOT_MET;
        // at_risk → not_met is the same gap growing older: it keeps its start.
        if (!(wasGap && isGap)) communeSince[c] = isGap ? latestGapStart(c, t) : t;
        prevCommune[c] = s;
        changedCommunes.add(c);
      }
      if (ev.communeStation[c] !== prevStation[c] || ev.communeMaintenance[c] !== prevMaintenance[c]) {
        prevStation[c] = ev.communeStation[c] ?? 0;
        prevMaintenance[c] = ev.communeMaintenance[c] ?? 0;
        changedCommunes.add(c);
      }
    }
    if (full) {
      // Once a day (and at start): the state each day begins in, for the map and the daily summaries.
      for (let d = 0; d < nd; d++) lines.push(deviceLine(model, ev, d, t));
      for (let h = 0; h < nh; h++) lines.push(hamletLine(model, ev, h, hamletSince[h] ?? t, t));
      for (let c = 0; c < nc; c++) lines.push(communeLine(model, ev, c, communeSince[c] ?? t, t));
      for (let p = 0; p < model.provinces.length; p++) lines.push(provinceLine(model, ev, p, t));
    } else if (changedCommunes.size > 0) {
      const provinces = new Set<number>();
      for (const c of changedCommunes) {
        lines.push(communeLine(model, ev, c, communeSince[c] ?? t, t));
        provinces.add(model.communes[c]?.provinceIndex ?? 0);
      }
      for (const p of provinces) lines.push(provinceLine(model, ev, p, t));
    }
    return lines;
  }

  /** A commune whose gap opens did so when its latest gap opened (data time, not ours). */
  function latestGapStart(c: number, t: number): number {
    let since = 0;
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      const s = ev.hamletStatus[h];
      if (s === AT_RISK || s === UNCOVERED) since = Math.max(since, hamletSince[h] ?? 0);
    }
    if (ev.communeStation[c] === STATION_DOWN) since = Math.max(since, ev.communeStationDownSince[c] ?? 0);
    return since > 0 ? since : t;
  }

  /**
   * The earliest time a device_offline alert could become due if nothing else arrives: when an up
   * device's newest heartbeat expires, plus the rule's wait; or, for a device already down, when its
   * wait (or what holds it: a restart, an intended stop, maintenance) ends. The timer wakes up then
   * instead of on the next periodic evaluation, so a death is announced within 3 heartbeats + 10 s
   * (docs/design.md#targets) and not up to an evaluation period later.
   */
  function nextDeviceDeadline(t: number): number {
    const fireAfter = rules.device_offline.fireAfterMs;
    let next = Infinity;
    for (let d = 0; d < nd; d++) {
      const heard = state.lastHeard[d] ?? 0;
      if (heard === 0 || model.deviceMonitored[d] === 0) continue;
      const due =
        ev.deviceUp[d] === 1
          ? heard + (model.deviceTimeoutMs[d] ?? 0) + fireAfter
          : Math.max((ev.deviceDownSince[d] ?? 0) + fireAfter, ev.deviceHeldUntil[d] ?? 0);
      if (due > t && due < next) next = due;
    }
    return next;
  }

  /** When the next scheduled evaluation runs (engine time); Infinity while stopped. */
  let wakeAt = Infinity;

  /** Brings the next evaluation forward to `due` (engine time) if it was later. */
  function wakeBy(due: number): void {
    if (timer === undefined || due >= wakeAt) return;
    clearTimeout(timer);
    wakeAt = due;
    timer = setTimeout(scheduled, Math.max(0, due - now()));
    timer.unref();
  }

  /** Runs a tick, then sleeps until the next periodic evaluation or the next deadline. */
  function scheduled(): void {
    const started = performance.now();
    tick();
    // Deadline wake-ups are spaced so that evaluation never takes more than about 5 % of a core, even
    // for a national fleet whose deadlines fall every few milliseconds.
    const spacing = Math.max(MIN_TICK_SPACING_MS, 20 * (performance.now() - started));
    const t = now();
    // Deadlines after the evaluation's own time were not yet due in it, even if the clock moved on.
    const wait = Math.min(evaluateEveryMs, Math.max(spacing, nextDeviceDeadline(ev.at) + 1 - t));
    wakeAt = t + wait;
    timer = setTimeout(scheduled, wait);
    timer.unref();
  }

  function tick(): void {
    const t = now();
    evaluate(model, state, t, ev, holds);
    evaluations++;
    const full = snapshots.full(t);
    const lines = changePass(t, full);
    if (!full && snapshots.provinces(t))
      model.provinces.forEach((_, p) => lines.push(provinceLine(model, ev, p, t)));
    options.store?.write(lines);
    alertPass(t);
    windowPass(t);
    bulletinPass(t);
  }

  /** Takes over a predecessor's state (a reload); alerts about places it no longer has resolve now. */
  function takeOver(from: ReturnType<CoverageEngine['handOver']>): void {
    state.adopt(from.state);
    holds.startedAt = from.startedAt;
    maintenance = from.maintenance;
    applyMaintenance(model, state, maintenance);
    // What each place was and since when: a reload, even of a comment, must not restart any clock.
    for (const [id, d] of model.deviceIndex) {
      const s = from.devices.get(id);
      if (s !== undefined) prevDevice[d] = s;
    }
    for (let h = 0; h < nh; h++) {
      const p = from.hamlets.get(hamletKey(h));
      if (p === undefined) continue;
      [prevHamlet[h], prevRegular[h], hamletSince[h]] = p;
    }
    for (let c = 0; c < nc; c++) {
      const commune = model.communes[c];
      const p = from.communes.get(`${commune?.province ?? ''}/${commune?.id ?? ''}`);
      if (p === undefined) continue;
      [prevCommune[c], prevStation[c], prevMaintenance[c], communeSince[c]] = p.status;
      const slots = Math.min(p.windows.length, state.windowSlots);
      for (let k = 0; k < slots; k++) windowJudged[c * state.windowSlots + k] = p.windows[k] ?? -1;
    }
    const gone: (Alert | undefined)[] = [];
    for (const alert of from.firing) {
      book.restore(alert);
      if (!inModel(alert.where)) {
        const what = alert.where.device ?? alert.where.hamlet ?? alert.where.commune;
        gone.push(book.resolve(alert.id, now(), say.removedText(what)));
      }
    }
    emit(gone);
    for (const b of from.bulletins) {
      const c = model.communes.findIndex((x) => x.id === b.commune && x.province === b.province);
      if (c < 0) continue;
      const devices = new Set<number>();
      for (const id of b.devices) {
        const d = model.deviceIndex.get(id);
        if (d !== undefined) devices.add(d);
      }
      bulletins.set(`${c}/${b.bulletin}`, {
        commune: c,
        bulletin: b.bulletin,
        firstAt: b.firstAt,
        devices,
        checked: b.checked,
      });
    }
  }

  function hamletKey(h: number): string {
    const commune = model.communes[model.hamletCommune[h] ?? 0];
    return `${commune?.province ?? ''}/${commune?.id ?? ''}/${model.hamletIds[h] ?? ''}`;
  }

  /** What each place was at the last evaluation, by id, for a successor (see `handOver`). */
  function places() {
    const devices = new Map<string, number>();
    for (const [id, d] of model.deviceIndex) devices.set(id, prevDevice[d] ?? 255);
    const hamlets = new Map<string, [number, number, number]>();
    for (let h = 0; h < nh; h++)
      hamlets.set(hamletKey(h), [prevHamlet[h] ?? 255, prevRegular[h] ?? 255, hamletSince[h] ?? 0]);
    const communes = new Map<string, { status: [number, number, number, number]; windows: number[] }>();
    for (let c = 0; c < nc; c++) {
      const commune = model.communes[c];
      const first = c * state.windowSlots;
      communes.set(`${commune?.province ?? ''}/${commune?.id ?? ''}`, {
        status: [
          prevCommune[c] ?? 255,
          prevStation[c] ?? 255,
          prevMaintenance[c] ?? 255,
          communeSince[c] ?? 0,
        ],
        windows: [...windowJudged.subarray(first, first + state.windowSlots)],
      });
    }
    return { devices, hamlets, communes };
  }

  const engine = {
    model,
    state,
    /** The ingest's observer hook (ingest `onMessage`): constant time, no I/O. */
    observe,
    /** Evaluates now, writes what changed and raises or resolves alerts. Timers call it; tests too. */
    tick,
    /** The latest evaluation (read-only). */
    evaluation: ev,
    /** Marks the start of history (restore sets it from storage). */
    setHistoryStart(at: number): void {
      if (state.historyStart === 0 || at < state.historyStart) state.historyStart = at;
    },
    /** Alerts that were firing before a restart: kept firing without being announced again. */
    restoreAlert(alert: Alert, clearSince?: number): void {
      book.restore(alert, clearSince);
    },
    /** The maintenance windows in force (all of them, as stored; ended and past ones change nothing). */
    setMaintenance(windows: readonly MaintenanceWindow[]): void {
      maintenance = windows;
      applyMaintenance(model, state, windows);
    },
    maintenance(): readonly MaintenanceWindow[] {
      return maintenance;
    },
    noteBulletin,
    firing(): Alert[] {
      return book.firing();
    },
    stats() {
      return { evaluations, firing: book.firing().length, bulletins: bulletins.size };
    },
    /** What a successor built on a newer inventory takes over (see `previous`). */
    handOver() {
      clearTimeout(timer);
      timer = undefined;
      wakeAt = Infinity;
      return {
        state,
        startedAt: holds.startedAt,
        maintenance,
        ...places(),
        firing: book.firing(),
        bulletins: [...bulletins.values()].map((b) => ({
          province: model.communes[b.commune]?.province ?? '',
          commune: model.communes[b.commune]?.id ?? '',
          bulletin: b.bulletin,
          firstAt: b.firstAt,
          checked: b.checked,
          devices: [...b.devices].map((d) => model.devices[d]?.device ?? ''),
        })),
      };
    },
    async start(): Promise<void> {
      startedAt = now();
      if (options.previous) {
        takeOver(options.previous.handOver());
      } else {
        // The platform (re)starts: no device has had the time to reconnect yet.
        if (options.holdAfterStart !== false) holds.startedAt = startedAt;
        if (options.restore) {
          // Without its history the engine still works; it may announce again what was already firing.
          try {
            await options.restore(engine);
          } catch (error) {
            logger.error({ error: (error as Error).message }, 'coverage state not restored from InfluxDB');
          }
        }
      }
      if (state.historyStart === 0) state.historyStart = startedAt;
      scheduled();
    },
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      wakeAt = Infinity;
      await Promise.all(sinks.map((s) => s.flush()));
      await Promise.all(sinks.map((s) => s.close()));
    },
    /** Meaning of the status numbers, for views. */
    statuses: { MEETS, UNVERIFIED, NOT_MET },
  };
  return engine;
}
