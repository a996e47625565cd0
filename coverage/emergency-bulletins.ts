import type { Alert, AlertBook } from './alert.js';
import { downReason } from './describe.js';
import type { Evaluation } from './evaluate.js';
import type { AlertTexts } from './messages.js';
import { DAY_MS, type CoverageModel } from './model.js';
import { communeIndex, offsetOf, placeName, whereOf } from './places.js';
import type { FleetState } from './state.js';

/**
 * Emergency bulletins: by default, the clusters of a commune have this long after the first log of a
 * bulletin to log it too (docs/coverage.md). The simulator's verification waits as long.
 */
export const EMERGENCY_WINDOW_MS = 15 * 60_000;

/** A bulletin is forgotten this long after its first log. */
const KEPT_MS = 7 * DAY_MS;

interface Bulletin {
  commune: number;
  bulletin: string;
  firstAt: number;
  devices: Set<number>;
  checked: boolean;
}

/** A bulletin as a successor on another inventory takes it over: by ids. */
export interface BulletinThen {
  province: string;
  commune: string;
  bulletin: string;
  firstAt: number;
  checked: boolean;
  devices: string[];
}

/**
 * emergency_undelivered: some clusters of a commune logged an emergency bulletin, others not within
 * the window. Per commune and bulletin: who logged it, and when the first did.
 */
export class EmergencyBulletins {
  private readonly bulletins = new Map<string, Bulletin>();

  constructor(
    private readonly model: CoverageModel,
    private readonly state: FleetState,
    private readonly ev: Evaluation,
    private readonly book: AlertBook,
    private readonly say: AlertTexts,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.bulletins.size;
  }

  /** Device `deviceId` logged `bulletin` at `at`. */
  note(deviceId: string, bulletin: string, at: number): void {
    const d = this.model.deviceIndex.get(deviceId);
    if (d === undefined) return;
    const c = this.model.deviceCommune[d] ?? 0;
    const key = `${c}/${bulletin}`;
    let entry = this.bulletins.get(key);
    if (entry === undefined) {
      entry = { commune: c, bulletin, firstAt: at, devices: new Set(), checked: false };
      this.bulletins.set(key, entry);
    }
    if (at < entry.firstAt) entry.firstAt = at;
    entry.devices.add(d);
  }

  /** Judges each bulletin once its window has passed; the alerts that fire or resolve. */
  pass(t: number): (Alert | undefined)[] {
    const { model, state, ev, book, say } = this;
    const out: (Alert | undefined)[] = [];
    for (const [key, b] of this.bulletins) {
      if (t - b.firstAt > KEPT_MS) {
        this.bulletins.delete(key);
        continue;
      }
      if (t - b.firstAt < this.windowMs) continue;
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
      const offset = offsetOf(model, b.commune);
      if (missing.length > 0 && !b.checked) {
        out.push(
          book.fire({
            id,
            kind: 'emergency_undelivered',
            severity: 'critical',
            where: whereOf(model, b.commune),
            since: b.firstAt,
            ts: t,
            devices: missing.map((d) => model.devices[d]?.device ?? ''),
            message: say.emergencyUndelivered({
              bulletin: b.bulletin,
              place: placeName(model, say, b.commune),
              played: b.devices.size,
              since: say.time(b.firstAt, offset),
              missing: missing.map((d) => downReason(model, state, ev, d, offset, say)).join('; '),
            }),
          }),
        );
      } else if (missing.length === 0 && b.checked) {
        out.push(
          book.resolve(id, t, (a) =>
            say.emergencyDelivered(b.bulletin, placeName(model, say, b.commune), a.since, t, offset),
          ),
        );
      }
      b.checked = true;
    }
    return out;
  }

  /** The open bulletins by ids, for a successor (see `adopt`). */
  handOver(): BulletinThen[] {
    const { model } = this;
    return [...this.bulletins.values()].map((b) => ({
      province: model.communes[b.commune]?.province ?? '',
      commune: model.communes[b.commune]?.id ?? '',
      bulletin: b.bulletin,
      firstAt: b.firstAt,
      checked: b.checked,
      devices: [...b.devices].map((d) => model.devices[d]?.device ?? ''),
    }));
  }

  /** A predecessor's open bulletins, in the communes and devices this inventory still has. */
  adopt(from: readonly BulletinThen[]): void {
    for (const b of from) {
      const c = communeIndex(this.model, b);
      if (c < 0) continue;
      const devices = new Set<number>();
      for (const id of b.devices) {
        const d = this.model.deviceIndex.get(id);
        if (d !== undefined) devices.add(d);
      }
      this.bulletins.set(`${c}/${b.bulletin}`, {
        commune: c,
        bulletin: b.bulletin,
        firstAt: b.firstAt,
        devices,
        checked: b.checked,
      });
    }
  }
}
