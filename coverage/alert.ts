/** What every sink delivers: the JSON of docs/coverage.md (MQTT, webhook, InfluxDB). */
export interface Alert {
  /** Stable per subject: `kind/province/commune[/hamlet|device|…]`; the same id fires and resolves. */
  id: string;
  kind: AlertKind;
  state: 'firing' | 'resolved';
  severity: 'critical' | 'warning' | 'info';
  where: { province: string; commune: string; hamlet?: string; device?: string };
  /** Plain words for people: which hamlet of which commune, since when, which devices serve it. */
  message: string;
  /** When the condition began (ms since the epoch). */
  since: number;
  /** When this state was decided. */
  ts: number;
  /** The devices concerned (serving the hamlet, missing the bulletin, …). */
  devices?: string[];
  /**
   * For people, in the configured language, set as the alert goes out: the first line of a chat
   * message (`CẢNH BÁO · Ấp mất loa · Ấp An Hòa, Xã Vĩnh An (An Giang)`), and the commune by name.
   */
  title?: string;
  place?: string;
}

export const ALERT_KINDS = [
  'hamlet_uncovered',
  'hamlet_unverified',
  'commune_criterion_lost',
  'device_offline',
  'broadcast_missed',
  'emergency_undelivered',
  'on_battery',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Hysteresis of a condition alert: how long the condition must hold to fire, and be gone to resolve. */
export interface AlertRule {
  fireAfterMs: number;
  resolveAfterMs: number;
}

export type AlertDraft = Omit<Alert, 'state' | 'ts' | 'id' | 'kind' | 'since'>;

interface Entry {
  kind: AlertKind;
  /** Start of the condition. */
  since: number;
  firing: boolean;
  /** When the condition was last seen gone while firing (0: it holds). */
  clearSince: number;
  /** Evaluation pass that last saw the condition hold. */
  pass: number;
  alert?: Alert;
}

/**
 * The alert state machine with hysteresis and de-duplication. A subject fires once when its
 * condition has held for `fireAfterMs` (measured from the condition's own start, so a restart keeps
 * the right "since"), and resolves once the condition has been gone for `resolveAfterMs`; a condition
 * that comes back meanwhile keeps the one alert firing. A flapping subject therefore fires at most once
 * per stable recovery instead of once per flap.
 */
export class AlertBook {
  private readonly entries = new Map<string, Entry>();
  private passNumber = 0;

  constructor(private readonly rules: Readonly<Record<AlertKind, AlertRule>>) {}

  /** Starts an evaluation pass: subjects not held during it count as cleared in `endPass`. */
  beginPass(): void {
    this.passNumber++;
  }

  /**
   * The condition of `id` holds (since `since`); returns the alert when it starts firing now. `held`:
   * the condition is known but must not page yet (maintenance, an intended stop, the platform's
   * restart); it fires as soon as it is no longer held, if still true and due, with its true `since`.
   */
  hold(
    id: string,
    kind: AlertKind,
    since: number,
    now: number,
    draft: () => AlertDraft,
    held = false,
  ): Alert | undefined {
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { kind, since, firing: false, clearSince: 0, pass: this.passNumber };
      this.entries.set(id, entry);
    }
    entry.pass = this.passNumber;
    entry.clearSince = 0;
    if (!entry.firing) {
      // A pending condition's start moves with the data (a device came back and went down again).
      entry.since = since;
      if (!held && now - since >= this.rules[kind].fireAfterMs) {
        entry.firing = true;
        entry.alert = { id, kind, since, ts: now, state: 'firing', ...draft() };
        return entry.alert;
      }
    }
    return undefined;
  }

  /** Conditions of `kind` not held in this pass are gone: drops pending ones, resolves after hysteresis. */
  endPass(kind: AlertKind, now: number, resolved: (alert: Alert) => string): Alert[] {
    const out: Alert[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.kind !== kind || entry.pass === this.passNumber) continue;
      if (!entry.firing) {
        this.entries.delete(id);
        continue;
      }
      if (entry.clearSince === 0) entry.clearSince = now;
      if (now - entry.clearSince >= this.rules[kind].resolveAfterMs) {
        this.entries.delete(id);
        if (entry.alert) {
          out.push({ ...entry.alert, state: 'resolved', ts: now, message: resolved(entry.alert) });
        }
      }
    }
    return out;
  }

  /** Fires an event-like alert now unless it is already firing (de-duplication). */
  fire(alert: Omit<Alert, 'state'>): Alert | undefined {
    const existing = this.entries.get(alert.id);
    if (existing?.firing) {
      existing.clearSince = 0;
      existing.pass = this.passNumber;
      return undefined;
    }
    const fired: Alert = { ...alert, state: 'firing' };
    this.restore(fired);
    return fired;
  }

  /** Resolves an event-like alert at once, if it is firing; `resolved` words it from the firing one. */
  resolve(id: string, now: number, resolved: (alert: Alert) => string): Alert | undefined {
    const entry = this.entries.get(id);
    if (!entry?.firing || !entry.alert) return undefined;
    this.entries.delete(id);
    return { ...entry.alert, state: 'resolved', ts: now, message: resolved(entry.alert) };
  }

  isFiring(id: string): boolean {
    return this.entries.get(id)?.firing === true;
  }

  /**
   * Holds `alert` as firing without announcing it: one just fired, or found firing in storage after a
   * restart (or taken over from the engine of an older inventory). `clearSince`: when its condition was
   * already gone before the restart (a device back since then), so that the restart does not start its
   * resolve delay again.
   */
  restore(alert: Alert, clearSince = 0): void {
    this.entries.set(alert.id, {
      kind: alert.kind,
      since: alert.since,
      firing: true,
      clearSince,
      pass: this.passNumber,
      alert,
    });
  }

  firing(): Alert[] {
    const out: Alert[] = [];
    for (const entry of this.entries.values()) if (entry.firing && entry.alert) out.push(entry.alert);
    return out;
  }
}
