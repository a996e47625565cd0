import { hamletCauseField } from './cause.js';
import {
  AT_RISK,
  COMMUNE_AT_RISK,
  COVERED,
  NOT_MET,
  STATION_DOWN,
  UNCOVERED,
  type Evaluation,
} from './evaluate.js';
import { snapshotClock } from './history/snapshots.js';
import { communeKey, hamletKey, type CoverageModel } from './model.js';

import { communeLine, deviceLine, hamletLine, provinceLine } from './points.js';
import type { FleetState } from './state.js';

/** What a place was at the last evaluation and since when, by id: what a reload passes on. */
export interface PlacesThen {
  devices: Map<string, number>;
  /** status, regularity, since. */
  hamlets: Map<string, [number, number, number]>;
  /** status, station, maintenance, since. */
  communes: Map<string, [number, number, number, number]>;
}

/**
 * The history's writes (docs/coverage.md): every place at start and each local midnight, then the
 * places whose status changed since the last evaluation, with the time each status began. The times
 * kept here are also the alerts' "since" for hamlets and communes.
 */
export class ChangeLines {
  private readonly prevDevice: Uint8Array;
  private readonly prevHamlet: Uint8Array;
  private readonly prevRegular: Uint8Array;
  /** When each hamlet's status began. */
  readonly hamletSince: Float64Array;
  private readonly prevCommune: Uint8Array;
  private readonly prevStation: Uint8Array;
  private readonly prevMaintenance: Uint8Array;
  /** When each commune's status began (a gap: when its latest gap opened). */
  readonly communeSince: Float64Array;
  private readonly snapshots: ReturnType<typeof snapshotClock>;

  constructor(
    private readonly model: CoverageModel,
    private readonly state: FleetState,
    private readonly ev: Evaluation,
    writeEveryMs: number,
    fullWriteEveryMs: number | undefined,
  ) {
    const nd = model.devices.length;
    const nh = model.hamletIds.length;
    const nc = model.communes.length;
    this.prevDevice = new Uint8Array(nd).fill(255);
    this.prevHamlet = new Uint8Array(nh).fill(255);
    this.prevRegular = new Uint8Array(nh).fill(255);
    this.hamletSince = new Float64Array(nh);
    this.prevCommune = new Uint8Array(nc).fill(255);
    this.prevStation = new Uint8Array(nc).fill(255);
    this.prevMaintenance = new Uint8Array(nc).fill(255);
    this.communeSince = new Float64Array(nc);
    this.snapshots = snapshotClock(model, writeEveryMs, fullWriteEveryMs);
  }

  /** The lines to write after the evaluation at t: every place when a snapshot is due, else the changes. */
  lines(t: number): string[] {
    const { model, ev } = this;
    const full = this.snapshots.full(t);
    const lines = this.changed(t, full);
    if (!full && this.snapshots.provinces(t))
      model.provinces.forEach((_, p) => lines.push(provinceLine(model, ev, p, t)));
    return lines;
  }

  /** A hamlet's line, with the likely cause of a gap from the evidence (cause.ts). */
  private hamletLineOf(h: number, t: number): string {
    const { model, state, ev } = this;
    return hamletLine(model, ev, h, this.hamletSince[h] ?? t, t, hamletCauseField(model, state, ev, h));
  }

  /** Status changes since the last pass, with the time each status began; lines for what changed. */
  private changed(t: number, full: boolean): string[] {
    const { model, ev, prevDevice, prevHamlet, prevRegular, hamletSince } = this;
    const { prevCommune, prevStation, prevMaintenance, communeSince } = this;
    const nd = model.devices.length;
    const nh = model.hamletIds.length;
    const nc = model.communes.length;
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
        if (!full) lines.push(this.hamletLineOf(h, t));
      }
    }
    for (let c = 0; c < nc; c++) {
      const s = ev.communeStatus[c] ?? 0;
      if (s !== prevCommune[c]) {
        const wasGap = prevCommune[c] === COMMUNE_AT_RISK || prevCommune[c] === NOT_MET;
        const isGap = s === COMMUNE_AT_RISK || s === NOT_MET;
        // at_risk → not_met is the same gap growing older: it keeps its start.
        if (!(wasGap && isGap)) communeSince[c] = isGap ? this.latestGapStart(c, t) : t;
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
      for (let h = 0; h < nh; h++) lines.push(this.hamletLineOf(h, t));
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
  private latestGapStart(c: number, t: number): number {
    const { model, ev } = this;
    let since = 0;
    for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
      const s = ev.hamletStatus[h];
      if (s === AT_RISK || s === UNCOVERED) since = Math.max(since, this.hamletSince[h] ?? 0);
    }
    if (ev.communeStation[c] === STATION_DOWN) since = Math.max(since, ev.communeStationDownSince[c] ?? 0);
    return since > 0 ? since : t;
  }

  /** What each place was at the last evaluation, by id, for a successor (see `adopt`). */
  handOver(): PlacesThen {
    const { model } = this;
    const devices = new Map<string, number>();
    for (const [id, d] of model.deviceIndex) devices.set(id, this.prevDevice[d] ?? 255);
    const hamlets = new Map<string, [number, number, number]>();
    for (let h = 0; h < model.hamletIds.length; h++)
      hamlets.set(hamletKey(model, h), [
        this.prevHamlet[h] ?? 255,
        this.prevRegular[h] ?? 255,
        this.hamletSince[h] ?? 0,
      ]);
    const communes = new Map<string, [number, number, number, number]>();
    for (let c = 0; c < model.communes.length; c++) {
      communes.set(communeKey(model, c), [
        this.prevCommune[c] ?? 255,
        this.prevStation[c] ?? 255,
        this.prevMaintenance[c] ?? 255,
        this.communeSince[c] ?? 0,
      ]);
    }
    return { devices, hamlets, communes };
  }

  /** What each place was and since when: a reload, even of a comment, must not restart any clock. */
  adopt(from: PlacesThen): void {
    const { model } = this;
    for (const [id, d] of model.deviceIndex) {
      const s = from.devices.get(id);
      if (s !== undefined) this.prevDevice[d] = s;
    }
    for (let h = 0; h < model.hamletIds.length; h++) {
      const p = from.hamlets.get(hamletKey(model, h));
      if (p === undefined) continue;
      [this.prevHamlet[h], this.prevRegular[h], this.hamletSince[h]] = p;
    }
    for (let c = 0; c < model.communes.length; c++) {
      const p = from.communes.get(communeKey(model, c));
      if (p === undefined) continue;
      [this.prevCommune[c], this.prevStation[c], this.prevMaintenance[c], this.communeSince[c]] = p;
    }
  }
}
