import type { Alert, AlertBook } from './alert.js';
import type { Evaluation } from './evaluate.js';
import { deviceLabel } from './describe.js';
import type { AlertTexts } from './messages.js';
import { communeKey, DAY_MS, localDay, type CoverageModel } from './model.js';
import { offsetOf, placeName, whereOf } from './places.js';
import type { FleetState } from './state.js';

/** A broadcast log arrives after the broadcast ends: by default a window is judged this long after it closes. */
export const BROADCAST_GRACE_MS = 5 * 60_000;

/**
 * broadcast_missed: a scheduled window closed (plus grace) and an up cluster logged nothing in it.
 * Yesterday's windows are looked at too: a window ending after 23:55 closes, with its grace, on the
 * next local day.
 */
export class BroadcastWindows {
  /** Per commune × window slot, the local day whose window was last judged. */
  private readonly judged: Int32Array;
  /** Windows that closed before this engine started were judged by the previous run (or never). */
  startedAt = 0;

  constructor(
    private readonly model: CoverageModel,
    private readonly state: FleetState,
    private readonly ev: Evaluation,
    private readonly book: AlertBook,
    private readonly say: AlertTexts,
    private readonly graceMs: number,
  ) {
    this.judged = new Int32Array(model.communes.length * state.windowSlots).fill(-1);
  }

  /** Judges every window that closed since the last pass; the alerts that fire or resolve. */
  pass(t: number): (Alert | undefined)[] {
    const { model, state, judged, graceMs } = this;
    const out: (Alert | undefined)[] = [];
    for (let c = 0; c < model.communes.length; c++) {
      const commune = model.communes[c];
      if (commune === undefined || commune.schedule.length === 0) continue;
      const offset = offsetOf(model, c);
      const today = localDay(t, offset);
      // Plain loops: this runs for every commune on every tick.
      for (let k = 0; k < commune.schedule.length; k++) {
        const endMin = commune.schedule[k]?.endMin ?? 0;
        for (let day = today - 1; day <= today; day++) {
          const slot = c * state.windowSlots + k;
          const closes = day * DAY_MS - offset + endMin * 60_000 + graceMs;
          if (t < closes || (judged[slot] ?? -1) >= day) continue;
          judged[slot] = day;
          if (closes < this.startedAt) continue;
          out.push(this.judge(c, k, day, closes, t));
        }
      }
    }
    return out;
  }

  private judge(c: number, k: number, day: number, closes: number, t: number): Alert | undefined {
    const { model, state, ev, book, say, graceMs } = this;
    const commune = model.communes[c];
    const w = commune?.schedule[k];
    if (commune === undefined || w === undefined) return undefined;
    const offset = offsetOf(model, c);
    const missed: string[] = [];
    for (let d = model.communeDeviceStart[c] ?? 0; d < (model.communeDeviceStart[c + 1] ?? 0); d++) {
      if (model.deviceCluster[d] === 0 || ev.deviceUp[d] === 0) continue;
      if (state.windowDay[d * state.windowSlots + k] !== day) missed.push(model.devices[d]?.device ?? '');
    }
    const id = `broadcast_missed/${commune.province}/${commune.id}`;
    if (missed.length === 0)
      return book.resolve(id, t, (a) =>
        say.broadcastKept(placeName(model, say, c), w.text, a.since, t, offset),
      );
    if (ev.communeMaintenance[c] === 1) return undefined;
    return book.fire({
      id,
      kind: 'broadcast_missed',
      severity: 'warning',
      where: whereOf(model, c),
      since: closes - graceMs,
      ts: t,
      devices: missed,
      message: say.broadcastMissed({
        place: placeName(model, say, c),
        window: w.text,
        day: say.date(closes - graceMs - 60_000, offset),
        devices: missed.map((id) => deviceLabel(model, model.deviceIndex.get(id) ?? 0, say)).join(', '),
        count: missed.length,
      }),
    });
  }

  /** Per commune id, the day each window slot was last judged, for a successor (see `adopt`). */
  handOver(): Map<string, number[]> {
    const slots = this.state.windowSlots;
    const out = new Map<string, number[]>();
    for (let c = 0; c < this.model.communes.length; c++) {
      out.set(communeKey(this.model, c), [...this.judged.subarray(c * slots, (c + 1) * slots)]);
    }
    return out;
  }

  /** Windows a predecessor judged are not judged again (slots by position). */
  adopt(from: ReadonlyMap<string, readonly number[]>): void {
    const slots = this.state.windowSlots;
    for (let c = 0; c < this.model.communes.length; c++) {
      const windows = from.get(communeKey(this.model, c));
      if (windows === undefined) continue;
      for (let k = 0; k < Math.min(windows.length, slots); k++) this.judged[c * slots + k] = windows[k] ?? -1;
    }
  }
}
