import type { Channel, MessageOf } from '../protocol/index.js';
import { hamletKey, localDay, type CoverageModel } from './model.js';

/** Days of broadcast history kept per hamlet by default: today and the seven before it. */
export const HISTORY_DAYS = 8;

/** The ring of broadcast days a model needs: today and the longest regularity window before it. */
export function historyDaysOf(model: CoverageModel): number {
  return Math.max(HISTORY_DAYS, ...model.provinces.map((p) => p.criterion.regularWindowDays + 1));
}

const NO_SLOTS = new Float64Array(0);

/**
 * What the engine knows of every device, in typed arrays indexed by device number. Each incoming
 * message changes a handful of slots (constant time, no allocation); evaluation reads them all.
 * Times are ms since the epoch; 0 means "never".
 */
export class FleetState {
  /**
   * When the platform last heard the device (receipt time of its newest message other than a death):
   * liveness. A box replaying its backlog, or whose clock runs slow, is alive when it is heard.
   */
  readonly lastHeard: Float64Array;
  /** Session of the newest birth (`online: true`); -1 before any. */
  readonly birthSession: Float64Array;
  /** Receipt time of the newest valid offline state (shutdown or Will), 0 when none. */
  readonly deathAt: Float64Array;
  /** 1 when that offline state was the device's own `shutdown` (an intended stop), not a Will. */
  readonly deathShutdown: Uint8Array;
  /**
   * 1 once a death, an amplifier fault or a tripped relay was recorded for the device (never cleared):
   * for the others, nearly the whole fleet, evaluation reads none of those three slots.
   */
  readonly troubled: Uint8Array;
  /** Amplifier in fault since (0: not in fault); `ampAt` orders heartbeats and events. */
  readonly ampFaultSince: Float64Array;
  readonly ampAt: Float64Array;
  /** Protective relay tripped since (0: not tripped): the horns have no supply. */
  readonly relayTrippedSince: Float64Array;
  readonly relayAt: Float64Array;
  /** Mains lost, running on battery or solar, since (0: on mains). */
  readonly onBatterySince: Float64Array;
  readonly powerAt: Float64Array;
  /**
   * Per hamlet, ring of `historyDays` local day numbers that had a completed broadcast, day d in slot
   * d % historyDays. Day numbers (days since 1970-01-01) fit 16 bits until 2149; 0 is "none".
   */
  readonly hamletDays: Uint16Array;
  readonly historyDays: number;
  /**
   * End of the maintenance window in force per device, hamlet and commune (0: none). The device and
   * hamlet slots are empty while no window is stored, nearly always: they cost memory only when used.
   */
  deviceMaintenanceUntil = NO_SLOTS;
  hamletMaintenanceUntil = NO_SLOTS;
  readonly communeMaintenanceUntil: Float64Array;
  /** How many windows were applied (0: evaluation skips the maintenance slots). */
  maintenanceWindows = 0;
  /** Per device × schedule window slot, the local day of the latest broadcast overlapping it (0: none). */
  readonly windowDay: Uint16Array;
  readonly windowSlots: number;
  /** Earliest time the platform holds data for: regularity is judged only after 7 days of it. */
  historyStart = 0;

  constructor(private readonly model: CoverageModel) {
    const nd = model.devices.length;
    this.lastHeard = new Float64Array(nd);
    this.birthSession = new Float64Array(nd).fill(-1);
    this.deathAt = new Float64Array(nd);
    this.deathShutdown = new Uint8Array(nd);
    this.troubled = new Uint8Array(nd);
    this.ampFaultSince = new Float64Array(nd);
    this.ampAt = new Float64Array(nd);
    this.relayTrippedSince = new Float64Array(nd);
    this.relayAt = new Float64Array(nd);
    this.onBatterySince = new Float64Array(nd);
    this.powerAt = new Float64Array(nd);
    this.historyDays = historyDaysOf(model);
    this.hamletDays = new Uint16Array(model.hamletIds.length * this.historyDays);
    this.communeMaintenanceUntil = new Float64Array(model.communes.length);
    this.windowSlots = Math.max(1, ...model.communes.map((c) => c.schedule.length));
    this.windowDay = new Uint16Array(nd * this.windowSlots);
  }

  /** Clears the maintenance slots for `windows` windows to come: sized to the fleet only if there are any. */
  resetMaintenance(windows: number): void {
    this.maintenanceWindows = windows;
    this.communeMaintenanceUntil.fill(0);
    if (windows === 0) {
      this.deviceMaintenanceUntil = NO_SLOTS;
      this.hamletMaintenanceUntil = NO_SLOTS;
    } else if (this.deviceMaintenanceUntil.length === 0) {
      this.deviceMaintenanceUntil = new Float64Array(this.model.devices.length);
      this.hamletMaintenanceUntil = new Float64Array(this.model.hamletIds.length);
    } else {
      this.deviceMaintenanceUntil.fill(0);
      this.hamletMaintenanceUntil.fill(0);
    }
  }

  /**
   * Takes over what `previous` (built on an older inventory) knew: per device by id, per hamlet by
   * province/commune/hamlet, schedule windows by position. New devices and hamlets start knowing
   * nothing, as on a first start; removed ones are forgotten.
   */
  adopt(previous: FleetState): void {
    const old = previous.model;
    const perDevice = [
      [this.lastHeard, previous.lastHeard],
      [this.deathShutdown, previous.deathShutdown],
      [this.troubled, previous.troubled],
      [this.birthSession, previous.birthSession],
      [this.deathAt, previous.deathAt],
      [this.ampFaultSince, previous.ampFaultSince],
      [this.ampAt, previous.ampAt],
      [this.relayTrippedSince, previous.relayTrippedSince],
      [this.relayAt, previous.relayAt],
      [this.onBatterySince, previous.onBatterySince],
      [this.powerAt, previous.powerAt],
    ] as const;
    const slots = Math.min(this.windowSlots, previous.windowSlots);
    for (const [id, d] of this.model.deviceIndex) {
      const o = old.deviceIndex.get(id);
      if (o === undefined) continue;
      for (const [to, from] of perDevice) to[d] = from[o] ?? 0;
      for (let k = 0; k < slots; k++) {
        this.windowDay[d * this.windowSlots + k] = previous.windowDay[o * previous.windowSlots + k] ?? 0;
      }
    }
    const oldHamlets = new Map<string, number>();
    for (let h = 0; h < old.hamletIds.length; h++) oldHamlets.set(hamletKey(old, h), h);
    for (let h = 0; h < this.model.hamletIds.length; h++) {
      const o = oldHamlets.get(hamletKey(this.model, h));
      if (o === undefined) continue;
      // Rings of different sizes hold the same day at different slots: copy day by day.
      for (let k = 0; k < previous.historyDays; k++) {
        const day = previous.hamletDays[o * previous.historyDays + k] ?? 0;
        if (day > 0) this.hamletDays[h * this.historyDays + (day % this.historyDays)] = day;
      }
    }
    this.historyStart = previous.historyStart;
  }

  /** Applies one accepted message. Unknown device ids are ignored (the inventory changed). */
  observe(deviceId: string, channel: Channel, message: MessageOf[Channel], receivedAt: number): void {
    const d = this.model.deviceIndex.get(deviceId);
    if (d === undefined) return;
    switch (channel) {
      case 'heartbeat': {
        const m = message as MessageOf['heartbeat'];
        this.heartbeat(d, m.ts, m.amp === 'fault', m.power !== 'mains', m.relay && m.relay === 'tripped');
        this.heard(d, receivedAt);
        break;
      }
      case 'state': {
        const m = message as MessageOf['state'];
        // A death is timed by its receipt (a Will has no device time; a slow clock must not reorder it).
        this.presence(d, m.online, m.session, receivedAt, m.reason === 'shutdown');
        break;
      }
      case 'event': {
        const m = message as MessageOf['event'];
        this.event(d, m.type, m.ts);
        this.heard(d, receivedAt);
        break;
      }
      case 'broadcast': {
        const m = message as MessageOf['broadcast'];
        this.broadcast(d, m.start, m.end, m.status === 'completed');
        this.heard(d, receivedAt);
        break;
      }
      case 'meta':
        this.heard(d, receivedAt);
        break;
      default:
        channel satisfies never;
    }
  }

  /** `relayTripped` undefined: the heartbeat does not report the relay, so its state stays as it was. */
  heartbeat(
    d: number,
    ts: number,
    ampFault: boolean,
    onBattery: boolean,
    relayTripped: boolean | undefined,
  ): void {
    this.setAmp(d, ampFault, ts);
    this.setPower(d, onBattery, ts);
    if (relayTripped !== undefined) this.setRelay(d, relayTripped, ts);
  }

  /** The platform heard device d at `at` (receipt time): what liveness is judged by. */
  heard(d: number, at: number): void {
    if (at > (this.lastHeard[d] ?? 0)) this.lastHeard[d] = at;
  }

  /**
   * Sparkplug's rule (docs/protocol.md): a death whose session is older than the newest birth is the late
   * Will of a replaced connection and changes nothing. A birth is hearing from the device.
   */
  presence(d: number, online: boolean, session: number, at: number, shutdown = false): void {
    const birth = this.birthSession[d] ?? -1;
    if (online) {
      if (session >= birth) {
        this.birthSession[d] = session;
        this.heard(d, at);
      }
      return;
    }
    if (session < birth) return;
    if (at > (this.deathAt[d] ?? 0)) {
      this.deathAt[d] = at;
      this.deathShutdown[d] = shutdown ? 1 : 0;
      this.troubled[d] = 1;
    }
  }

  event(d: number, kind: MessageOf['event']['type'], ts: number): void {
    switch (kind) {
      case 'amp_fault':
      case 'amp_restored':
        this.setAmp(d, kind === 'amp_fault', ts);
        break;
      case 'power_lost':
      case 'power_restored':
        this.setPower(d, kind === 'power_lost', ts);
        break;
      case 'relay_tripped':
      case 'relay_restored':
        this.setRelay(d, kind === 'relay_tripped', ts);
        break;
      case 'tamper':
      case 'reboot':
        break;
      default:
        kind satisfies never;
    }
  }

  broadcast(d: number, start: number, end: number, completed: boolean): void {
    const commune = this.model.communes[this.model.deviceCommune[d] ?? 0];
    if (commune === undefined) return;
    const offset = this.model.provinces[commune.provinceIndex]?.utcOffsetMs ?? 0;
    const day = localDay(start, offset);
    if (completed) {
      const m = this.model;
      for (let e = m.deviceHamletStart[d] ?? 0; e < (m.deviceHamletStart[d + 1] ?? 0); e++) {
        const h = m.deviceHamlets[e] ?? 0;
        this.hamletDays[h * this.historyDays + (day % this.historyDays)] = day;
      }
    }
    // Any logged broadcast counts for a window, whatever its status: the cluster was at work.
    const startMin = (start + offset - day * 86_400_000) / 60_000;
    const endMin = startMin + (end - start) / 60_000;
    commune.schedule.forEach((w, k) => {
      if (startMin < w.endMin && endMin > w.startMin) this.windowDay[d * this.windowSlots + k] = day;
    });
  }

  /** A completed broadcast on the local day of `at` (restore reads daily counts, not every log). */
  markBroadcastDay(d: number, at: number): void {
    const commune = this.model.communes[this.model.deviceCommune[d] ?? 0];
    const offset = this.model.provinces[commune?.provinceIndex ?? 0]?.utcOffsetMs ?? 0;
    const day = localDay(at, offset);
    const m = this.model;
    for (let e = m.deviceHamletStart[d] ?? 0; e < (m.deviceHamletStart[d + 1] ?? 0); e++) {
      this.hamletDays[(m.deviceHamlets[e] ?? 0) * this.historyDays + (day % this.historyDays)] = day;
    }
  }

  private setAmp(d: number, fault: boolean, ts: number): void {
    if (ts < (this.ampAt[d] ?? 0)) return;
    this.ampAt[d] = ts;
    if (!fault) this.ampFaultSince[d] = 0;
    else if (this.ampFaultSince[d] === 0) {
      this.ampFaultSince[d] = ts;
      this.troubled[d] = 1;
    }
  }

  private setPower(d: number, onBattery: boolean, ts: number): void {
    if (ts < (this.powerAt[d] ?? 0)) return;
    this.powerAt[d] = ts;
    if (!onBattery) this.onBatterySince[d] = 0;
    else if (this.onBatterySince[d] === 0) this.onBatterySince[d] = ts;
  }

  private setRelay(d: number, tripped: boolean, ts: number): void {
    if (ts < (this.relayAt[d] ?? 0)) return;
    this.relayAt[d] = ts;
    if (!tripped) this.relayTrippedSince[d] = 0;
    else if (this.relayTrippedSince[d] === 0) {
      this.relayTrippedSince[d] = ts;
      this.troubled[d] = 1;
    }
  }
}
