import type { Alert, AlertBook } from './alert.js';
import type { BroadcastWindows } from './broadcast-windows.js';
import type { ChangeLines, PlacesThen } from './changes.js';
import type { EmergencyBulletins, BulletinThen } from './emergency-bulletins.js';
import type { LiveHolds } from './evaluate.js';
import type { MaintenanceWindow } from './maintenance.js';
import { placeLabel } from './describe.js';
import type { AlertTexts } from './messages.js';
import type { CoverageModel } from './model.js';
import { inModel } from './places.js';
import type { FleetState } from './state.js';

/**
 * What an engine passes to its successor built on a newer inventory (a reload): everything by id, since
 * the new inventory numbers places anew.
 */
export interface HandOver {
  /** The predecessor's inventory: names of the places the new one no longer has. */
  model: CoverageModel;
  state: FleetState;
  startedAt: number;
  maintenance: readonly MaintenanceWindow[];
  places: PlacesThen;
  windows: Map<string, number[]>;
  firing: Alert[];
  bulletins: BulletinThen[];
}

/** The parts of an engine that a reload carries over. */
export interface EngineParts {
  model: CoverageModel;
  say: AlertTexts;
  state: FleetState;
  book: AlertBook;
  holds: LiveHolds;
  changes: ChangeLines;
  windows: BroadcastWindows;
  bulletins: EmergencyBulletins;
}

export function handOver(parts: EngineParts, maintenance: readonly MaintenanceWindow[]): HandOver {
  return {
    model: parts.model,
    state: parts.state,
    startedAt: parts.holds.startedAt,
    maintenance,
    places: parts.changes.handOver(),
    windows: parts.windows.handOver(),
    firing: parts.book.firing(),
    bulletins: parts.bulletins.handOver(),
  };
}

/**
 * Takes over a predecessor's state, clocks, firing alerts and open bulletins (maintenance is the
 * caller's: `from.maintenance`). Returns the alerts about places the new inventory no longer has,
 * resolved at `at`.
 */
export function takeOver(parts: EngineParts, from: HandOver, at: number): (Alert | undefined)[] {
  parts.state.adopt(from.state);
  parts.holds.startedAt = from.startedAt;
  parts.changes.adopt(from.places);
  parts.windows.adopt(from.windows);
  const gone: (Alert | undefined)[] = [];
  for (const alert of from.firing) {
    parts.book.restore(alert);
    if (!inModel(parts.model, alert.where)) {
      const what = placeLabel(from.model, alert.where, parts.say);
      const offset = parts.model.provinces.find((p) => p.id === alert.where.province)?.utcOffsetMs ?? 0;
      gone.push(parts.book.resolve(alert.id, at, (a) => parts.say.removed(what, a.since, at, offset)));
    }
  }
  parts.bulletins.adopt(from.bulletins);
  return gone;
}
