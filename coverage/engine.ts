import type { Channel, Inventory, MessageOf } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';
import { AlertBook, type Alert, type AlertKind, type AlertRule } from './alert.js';
import { downReason, localTime } from './describe.js';
import { COVERED, Evaluation, evaluate, MEETS, NOT_MET, UNCOVERED, UNVERIFIED } from './evaluate.js';
import { buildModel, DAY_MS, localDay, type CoverageModel } from './model.js';
import { snapshotClock } from './history/snapshots.js';
import { alertLine, communeLine, deviceLine, deviceStatus, hamletLine, provinceLine } from './points.js';
import type { AlertSink } from './sinks.js';
import { FleetState } from './state.js';

/** Defaults of DESIGN §5, each configurable (docs/coverage.md). */
export const DEFAULT_ALERT_RULES: Readonly<Record<AlertKind, AlertRule>> = {
  hamlet_uncovered: { fireAfterMs: 10 * 60_000, resolveAfterMs: 2 * 60_000 },
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
 * The coverage engine (DESIGN §5): keeps the fleet's state live from the ingest's accepted messages
 * (constant time per message), evaluates criterion 8.3 for every hamlet, commune and province on a
 * timer, raises alerts with hysteresis, and writes coverage to InfluxDB. No I/O in the constructor.
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

  const nh = model.hamletIds.length;
  const nc = model.communes.length;
  const nd = model.devices.length;
  const prevDevice = new Uint8Array(nd).fill(255);
  const prevHamlet = new Uint8Array(nh).fill(255);
  const prevRegular = new Uint8Array(nh).fill(255);
  const hamletSince = new Float64Array(nh);
  const prevCommune = new Uint8Array(nc).fill(255);
  const prevStation = new Uint8Array(nc).fill(255);
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

  function placeName(c: number): string {
    const commune = model.communes[c];
    const province = model.provinces[commune?.provinceIndex ?? 0];
    return `${commune?.name ?? ''} (${province?.name ?? ''})`;
  }

  function servingDevices(h: number): number[] {
    const out: number[] = [];
    for (let e = model.hamletDeviceStart[h] ?? 0; e < (model.hamletDeviceStart[h + 1] ?? 0); e++) {
      out.push(model.hamletDevices[e] ?? 0);
    }
    return out;
  }

  function alertPass(t: number): void {
    const out: (Alert | undefined)[] = [];
    book.beginPass();
    // device_offline and on_battery: only devices that have reported at least once; a box never
    // commissioned shows as its hamlet's gap instead of one page per device on the first day.
    for (let d = 0; d < model.devices.length; d++) {
      if (model.deviceMonitored[d] === 0 || (state.lastHeartbeat[d] ?? 0) === 0) continue;
      const device = model.devices[d];
      if (device === undefined) continue;
      const c = model.deviceCommune[d] ?? 0;
      const offset = offsetOfCommune(c);
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
              message: `${device.kind === 'station' ? 'Station' : 'Loudspeaker cluster'} ${downReason(model, state, ev, d, offset)} in ${placeName(c)}; serves ${device.hamlets.join(', ') || 'the commune studio'}.`,
              devices: [device.device],
            }),
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
              message: `${device.device} in ${placeName(c)} lost mains power at ${localTime(since, offset)} and runs on its backup.`,
              devices: [device.device],
            }),
          ),
        );
      }
    }
    out.push(
      ...book.endPass('device_offline', t, (a) => `${a.where.device ?? ''} in ${alertPlace(a)} is up again.`),
    );
    out.push(
      ...book.endPass(
        'on_battery',
        t,
        (a) => `${a.where.device ?? ''} in ${alertPlace(a)} is back on mains power.`,
      ),
    );

    for (let h = 0; h < nh; h++) {
      if (ev.hamletStatus[h] !== UNCOVERED) continue;
      const c = model.hamletCommune[h] ?? 0;
      const since = (ev.hamletDownSince[h] ?? 0) || (hamletSince[h] ?? t);
      const commune = model.communes[c];
      const hamlet = model.hamletIds[h] ?? '';
      out.push(
        book.hold(
          `hamlet_uncovered/${commune?.province ?? ''}/${commune?.id ?? ''}/${hamlet}`,
          'hamlet_uncovered',
          since,
          t,
          () => {
            const offset = offsetOfCommune(c);
            const devices = servingDevices(h);
            return {
              severity: 'critical',
              where: { ...where(c), hamlet },
              message: `${model.hamletNames[h] ?? hamlet} of ${placeName(c)} has no working loudspeakers since ${localTime(since, offset)} local time. Served by: ${devices.map((d) => downReason(model, state, ev, d, offset)).join('; ')}.`,
              devices: devices.map((d) => model.devices[d]?.device ?? ''),
            };
          },
        ),
      );
    }
    out.push(
      ...book.endPass(
        'hamlet_uncovered',
        t,
        (a) =>
          `${a.where.hamlet ?? ''} of ${alertPlace(a)} has working loudspeakers again (out since ${localTime(a.since, offsetOfCommune(communeOf(a)))}).`,
      ),
    );

    for (let c = 0; c < nc; c++) {
      if (ev.communeStatus[c] !== NOT_MET) continue;
      const since = communeSince[c] ?? t;
      const commune = model.communes[c];
      out.push(
        book.hold(
          `commune_criterion_lost/${commune?.province ?? ''}/${commune?.id ?? ''}`,
          'commune_criterion_lost',
          since,
          t,
          () => ({
            severity: 'critical',
            where: where(c),
            message: `${placeName(c)} no longer meets criterion 8.3 since ${localTime(since, offsetOfCommune(c))}: ${communeGaps(c)}.`,
          }),
        ),
      );
    }
    out.push(
      ...book.endPass(
        'commune_criterion_lost',
        t,
        (a) => `${alertPlace(a)} meets criterion 8.3 again (restored).`,
      ),
    );
    emit(out);
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
    const c = model.communes.findIndex((x) => x.id === w.commune && x.province === w.province);
    if (c < 0 || w.hamlet === undefined) return c >= 0;
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      if (model.hamletIds[h] === w.hamlet) return true;
    }
    return false;
  }

  /** The commune of an alert by name; after an inventory change it may be gone from the model. */
  function alertPlace(alert: Alert): string {
    const known = model.communes.some(
      (x) => x.id === alert.where.commune && x.province === alert.where.province,
    );
    return known
      ? placeName(communeOf(alert))
      : `${alert.where.commune} (${alert.where.province}, no longer in the inventory)`;
  }

  function communeGaps(c: number): string {
    const gaps: string[] = [];
    if (ev.communeStation[c] === 0) gaps.push('the station is down');
    const hamlets: string[] = [];
    const irregular: string[] = [];
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      const s = ev.hamletStatus[h];
      if (s === UNCOVERED || s === 3)
        hamlets.push(`${model.hamletNames[h] ?? ''} ${s === 3 ? 'unserved' : 'uncovered'}`);
      else if (s === COVERED && ev.hamletRegular[h] === 0) irregular.push(model.hamletNames[h] ?? '');
    }
    if (hamlets.length > 0) gaps.push(hamlets.join(', '));
    if (irregular.length > 0)
      gaps.push(`broadcasting on fewer than 5 of the last days: ${irregular.join(', ')}`);
    return gaps.join('; ');
  }

  /** broadcast_missed: a scheduled window closed (plus grace) and an up cluster logged nothing in it. */
  function windowPass(t: number): void {
    const out: (Alert | undefined)[] = [];
    for (let c = 0; c < nc; c++) {
      const commune = model.communes[c];
      if (commune === undefined || commune.schedule.length === 0) continue;
      const offset = offsetOfCommune(c);
      const today = localDay(t, offset);
      commune.schedule.forEach((w, k) => {
        const slot = c * state.windowSlots + k;
        const closes = today * DAY_MS - offset + w.endMin * 60_000 + graceMs;
        if (t < closes || windowJudged[slot] === today) return;
        windowJudged[slot] = today;
        // Windows that closed before the engine started were judged by the previous run (or never).
        if (closes < startedAt) return;
        const missed: string[] = [];
        for (let d = model.communeDeviceStart[c] ?? 0; d < (model.communeDeviceStart[c + 1] ?? 0); d++) {
          if (model.deviceCluster[d] === 0 || ev.deviceUp[d] === 0) continue;
          if (state.windowDay[d * state.windowSlots + k] !== today)
            missed.push(model.devices[d]?.device ?? '');
        }
        const id = `broadcast_missed/${commune.province}/${commune.id}`;
        if (missed.length > 0) {
          out.push(
            book.fire({
              id,
              kind: 'broadcast_missed',
              severity: 'warning',
              where: where(c),
              since: closes - graceMs,
              ts: t,
              devices: missed,
              message: `${placeName(c)}: the ${w.text} broadcast window of ${localTime(t, offset).slice(0, 10)} passed and ${missed.length} working cluster(s) logged nothing: ${missed.join(', ')}.`,
            }),
          );
        } else {
          out.push(
            book.resolve(id, t, `${placeName(c)}: every working cluster logged the ${w.text} window.`),
          );
        }
      });
    }
    emit(out);
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
            message: `Emergency bulletin ${b.bulletin} in ${placeName(b.commune)}: logged by ${b.devices.size} cluster(s) since ${localTime(b.firstAt, offset)}, not by ${missing.map((d) => downReason(model, state, ev, d, offset)).join('; ')}.`,
          }),
        );
      } else if (missing.length === 0 && b.checked) {
        out.push(
          book.resolve(
            id,
            t,
            `Emergency bulletin ${b.bulletin} in ${placeName(b.commune)}: now logged by every cluster.`,
          ),
        );
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
      const s = deviceStatus(model, ev, d);
      if (s !== prevDevice[d]) {
        prevDevice[d] = s;
        if (!full) lines.push(deviceLine(model, ev, d, t));
      }
    }
    for (let h = 0; h < nh; h++) {
      const s = ev.hamletStatus[h] ?? 0;
      const r = ev.hamletRegular[h] ?? 0;
      if (s !== prevHamlet[h] || r !== prevRegular[h]) {
        if (s !== prevHamlet[h])
          hamletSince[h] =
            s === UNCOVERED && (ev.hamletDownSince[h] ?? 0) > 0 ? (ev.hamletDownSince[h] ?? t) : t;
        prevHamlet[h] = s;
        prevRegular[h] = r;
        changedCommunes.add(model.hamletCommune[h] ?? 0);
        if (!full) lines.push(hamletLine(model, ev, h, hamletSince[h] ?? t, t));
      }
    }
    for (let c = 0; c < nc; c++) {
      const s = ev.communeStatus[c] ?? 0;
      if (s !== prevCommune[c]) {
        communeSince[c] = s === NOT_MET ? latestGapStart(c, t) : t;
        prevCommune[c] = s;
        changedCommunes.add(c);
      }
      if (ev.communeStation[c] !== prevStation[c]) {
        prevStation[c] = ev.communeStation[c] ?? 0;
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

  /** A commune that stops meeting 8.3 did so when its latest gap opened (data time, not ours). */
  function latestGapStart(c: number, t: number): number {
    let since = 0;
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      if (ev.hamletStatus[h] === UNCOVERED) since = Math.max(since, hamletSince[h] ?? 0);
    }
    for (const d of model.communes[c]?.stations ?? []) {
      if (ev.communeStation[c] === 0) since = Math.max(since, ev.deviceDownSince[d] ?? 0);
    }
    return since > 0 ? since : t;
  }

  /**
   * The earliest time a device_offline alert could become due if nothing else arrives: when an up
   * device's newest heartbeat expires, plus the rule's wait; or, for a device already down, when its
   * wait ends. The timer wakes up then instead of on the next periodic evaluation, so a death is
   * announced within 3 heartbeats + 10 s (DESIGN §8) and not up to an evaluation period later.
   */
  function nextDeviceDeadline(t: number): number {
    const fireAfter = rules.device_offline.fireAfterMs;
    let next = Infinity;
    for (let d = 0; d < nd; d++) {
      const hb = state.lastHeartbeat[d] ?? 0;
      if (hb === 0 || model.deviceMonitored[d] === 0) continue;
      const due =
        ev.deviceUp[d] === 1
          ? hb + (model.deviceTimeoutMs[d] ?? 0) + fireAfter
          : (ev.deviceDownSince[d] ?? 0) + fireAfter;
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
    evaluate(model, state, t, ev);
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
    const gone: (Alert | undefined)[] = [];
    for (const alert of from.firing) {
      book.restore(alert);
      if (!inModel(alert.where)) {
        const what = alert.where.device ?? alert.where.hamlet ?? alert.where.commune;
        gone.push(book.resolve(alert.id, now(), `${what} was removed from the inventory.`));
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
    restoreAlert(alert: Alert): void {
      book.restore(alert);
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
      } else if (options.restore) {
        // Without its history the engine still works; it may announce again what was already firing.
        try {
          await options.restore(engine);
        } catch (error) {
          logger.error({ error: (error as Error).message }, 'coverage state not restored from InfluxDB');
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
