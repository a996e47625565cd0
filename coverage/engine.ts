import { DEFAULT_LANG, type Lang } from '../i18n/index.js';
import type { Channel, Inventory, MessageOf } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';
import { COVERAGE_DEFAULTS } from './defaults.js';
import { AlertBook, type Alert, type AlertKind, type AlertRule } from './alert.js';
import { createConditionAlerts } from './alert-families.js';
import { BROADCAST_GRACE_MS, BroadcastWindows } from './broadcast-windows.js';
import { ChangeLines } from './changes.js';
import { EMERGENCY_WINDOW_MS, EmergencyBulletins } from './emergency-bulletins.js';
import { Evaluation, evaluate, MEETS, NOT_MET, UNVERIFIED, type LiveHolds } from './evaluate.js';
import { applyMaintenance, type MaintenanceWindow } from './maintenance.js';
import { buildModel, type CoverageModel } from './model.js';
import { alertTexts } from './messages.js';
import { alertPlace, alertDevice, alertHamletPlace } from './places.js';
import { alertLine } from './points.js';
import { TickScheduler } from './scheduler.js';
import type { AlertSink } from './sinks.js';
import { FleetState } from './state.js';
import { handOver, takeOver, type EngineParts, type HandOver } from './takeover.js';

/** Defaults of docs/coverage.md, each configurable (docs/coverage.md). */
export const DEFAULT_ALERT_RULES: Readonly<Record<AlertKind, AlertRule>> = {
  hamlet_uncovered: { fireAfterMs: COVERAGE_DEFAULTS.placeAlertAfterMs, resolveAfterMs: 2 * 60_000 },
  hamlet_unverified: { fireAfterMs: COVERAGE_DEFAULTS.placeAlertAfterMs, resolveAfterMs: 2 * 60_000 },
  commune_criterion_lost: { fireAfterMs: COVERAGE_DEFAULTS.placeAlertAfterMs, resolveAfterMs: 2 * 60_000 },
  // Liveness already waits 3 heartbeats; 10 s more lets a reconnecting box come back unannounced,
  // and 5 min of steady heartbeats before "resolved" keeps a flapping 4G link to one alert.
  device_offline: { fireAfterMs: 10_000, resolveAfterMs: 5 * 60_000 },
  on_battery: { fireAfterMs: 60_000, resolveAfterMs: 2 * 60_000 },
  broadcast_missed: { fireAfterMs: 0, resolveAfterMs: 0 },
  emergency_undelivered: { fireAfterMs: 0, resolveAfterMs: 0 },
};

export interface CoverageEngineOptions {
  inventory: Inventory;
  logger: Logger;
  /** The language of alert texts (Vietnamese by default): `--lang`, `LOA_LANG` or the config's `lang`. */
  lang?: Lang;
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

export type CoverageEngine = ReturnType<typeof createCoverageEngine>;

/**
 * The coverage engine (docs/coverage.md): keeps the fleet's state live from the ingest's accepted
 * messages (constant time per message), evaluates each province's criterion for every hamlet, commune
 * and province on a timer, raises alerts with hysteresis, and writes coverage to InfluxDB. No I/O in
 * the constructor.
 *
 * This file wires the parts, each in its own file: the condition alerts (alert-families.ts), the
 * broadcast windows (broadcast-windows.ts), emergency bulletins (emergency-bulletins.ts), the history's
 * change lines (changes.ts), when to evaluate (scheduler.ts) and a reload's takeover (takeover.ts).
 */
export function createCoverageEngine(options: CoverageEngineOptions) {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const say = alertTexts(options.lang ?? DEFAULT_LANG);
  const model: CoverageModel = buildModel(options.inventory, now());
  const state = new FleetState(model);
  const ev = new Evaluation(model);
  const rules = { ...DEFAULT_ALERT_RULES };
  for (const [kind, rule] of Object.entries(options.rules ?? {}) as [AlertKind, Partial<AlertRule>][]) {
    rules[kind] = { ...rules[kind], ...rule };
  }
  const book = new AlertBook(rules);
  const sinks = options.sinks ?? [];
  const holds: LiveHolds = {
    startedAt: 0,
    reconnectSpreadMs: options.reconnectSpreadMs ?? COVERAGE_DEFAULTS.reconnectSpreadMs,
    stoppedPageAfterMs: options.stoppedPageAfterMs ?? COVERAGE_DEFAULTS.stoppedPageAfterMs,
  };
  let maintenance: readonly MaintenanceWindow[] = [];
  const changes = new ChangeLines(model, state, ev, options.writeEveryMs ?? 60_000, options.fullWriteEveryMs);
  const conditionAlerts = createConditionAlerts({
    model,
    state,
    ev,
    book,
    say,
    hamletSince: changes.hamletSince,
    communeSince: changes.communeSince,
  });
  const windows = new BroadcastWindows(
    model,
    state,
    ev,
    book,
    say,
    options.broadcastGraceMs ?? BROADCAST_GRACE_MS,
  );
  const bulletins = new EmergencyBulletins(
    model,
    state,
    ev,
    book,
    say,
    options.emergencyWindowMs ?? EMERGENCY_WINDOW_MS,
  );
  const parts: EngineParts = { model, say, state, book, holds, changes, windows, bulletins };
  let startedAt = now();
  windows.startedAt = startedAt;
  // History begins now unless storage holds older data (restore lowers it).
  state.historyStart = startedAt;
  let alertSeq = 0;
  let evaluations = 0;

  function emit(alerts: readonly (Alert | undefined)[]): void {
    for (const found of alerts) {
      if (found === undefined) continue;
      const alert = presented(found);
      logger.info({ alert: alert.id, state: alert.state }, alert.message);
      options.store?.write([alertLine(alert, alertSeq++)]);
      for (const sink of sinks) sink.deliver(alert);
    }
  }

  /** The alert with its human title and place, in the configured language, as it goes out. */
  function presented(alert: Alert): Alert {
    const place = alertPlace(model, say, alert);
    const subject =
      alert.where.device !== undefined
        ? `${alertDevice(model, say, alert)}, ${place}`
        : alert.where.hamlet !== undefined
          ? alertHamletPlace(model, say, alert)
          : place;
    return { ...alert, title: say.title(alert, subject), place };
  }

  // One evaluation and what follows it, step by step.
  function evaluateFleet(t: number): void {
    evaluate(model, state, t, ev, holds);
    evaluations++;
  }
  function writeChanges(t: number): void {
    // Computed even with no store: the alerts' "since" of hamlets and communes comes from it.
    const lines = changes.lines(t);
    options.store?.write(lines);
  }
  function raiseConditionAlerts(t: number): void {
    emit(conditionAlerts(t));
  }
  function judgeWindows(t: number): void {
    emit(windows.pass(t));
  }
  function checkBulletins(t: number): void {
    emit(bulletins.pass(t));
  }
  const TICK = [evaluateFleet, writeChanges, raiseConditionAlerts, judgeWindows, checkBulletins] as const;

  function tick(): void {
    const t = now();
    for (const step of TICK) step(t);
  }

  const scheduler = new TickScheduler({
    model,
    state,
    ev,
    now,
    tick,
    everyMs: options.evaluateEveryMs ?? COVERAGE_DEFAULTS.evaluateEveryMs,
    offlineFireAfterMs: rules.device_offline.fireAfterMs,
  });

  function observe(
    deviceId: string,
    channel: Channel,
    message: MessageOf[Channel],
    receivedAt: number,
  ): void {
    state.observe(deviceId, channel, message, receivedAt);
    scheduler.observed(channel, message, receivedAt);
    if (channel === 'broadcast') {
      const b = message as MessageOf['broadcast'];
      if (b.priority === 'emergency' && b.bulletin !== undefined) {
        bulletins.note(deviceId, b.bulletin, Math.min(receivedAt, b.end));
      }
    }
  }

  function setMaintenance(list: readonly MaintenanceWindow[]): void {
    maintenance = list;
    applyMaintenance(model, state, list);
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
    setMaintenance,
    maintenance(): readonly MaintenanceWindow[] {
      return maintenance;
    },
    /** Emergency bulletins per commune: who logged it, and when the first did. */
    noteBulletin(deviceId: string, bulletin: string, at: number): void {
      bulletins.note(deviceId, bulletin, at);
    },
    firing(): Alert[] {
      return book.firing();
    },
    stats() {
      return { evaluations, firing: book.firing().length, bulletins: bulletins.size };
    },
    /** What a successor built on a newer inventory takes over (see `previous`); this one stops ticking. */
    handOver(): HandOver {
      scheduler.stop();
      return handOver(parts, maintenance);
    },
    async start(): Promise<void> {
      startedAt = now();
      windows.startedAt = startedAt;
      if (options.previous) {
        const from = options.previous.handOver();
        const gone = takeOver(parts, from, now());
        setMaintenance(from.maintenance);
        emit(gone);
      } else {
        // The platform (re)starts: no device has had the time to reconnect yet.
        if (options.holdAfterStart !== false) holds.startedAt = startedAt;
        if (options.restore) {
          // Without its history the engine still works; it may announce again what was already firing.
          try {
            await options.restore(engine);
          } catch (error) {
            logger.error({ err: error }, 'coverage state not restored from InfluxDB');
          }
        }
      }
      if (state.historyStart === 0) state.historyStart = startedAt;
      scheduler.start();
    },
    async stop(): Promise<void> {
      scheduler.stop();
      await Promise.all(sinks.map((s) => s.flush()));
      await Promise.all(sinks.map((s) => s.close()));
    },
    /** Meaning of the status numbers, for views. */
    statuses: { MEETS, UNVERIFIED, NOT_MET },
  };
  return engine;
}
