import type { InfluxQl } from '../influx/index.js';
import { MAINTENANCE, msToNs, type Inventory } from '../protocol/index.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/**
 * Maintenance windows: a device, a hamlet or a commune under planned work until a given time. Alerts
 * about it are held meanwhile and let through when the window ends if their condition still holds.
 * Stored in InfluxDB (`maintenance`, retention policy `long`), which both `loa up` and `loa coverage
 * run` already share, so `loa maintenance` needs nothing but the data folder's run record.
 */
export const MAINTENANCE_SCOPES = ['device', 'hamlet', 'commune'] as const;
export type MaintenanceScope = (typeof MAINTENANCE_SCOPES)[number];

export interface MaintenanceWindow {
  /** Short id people type to end it: `mw-` and the base-36 creation time. */
  id: string;
  scope: MaintenanceScope;
  province: string;
  commune: string;
  /** The device or hamlet id (the commune id for a commune window). */
  target: string;
  from: number;
  until: number;
  reason: string;
  /** When it was ended early (0: it runs to `until`). */
  endedAt: number;
}

/** When a window stops holding alerts: its end, or when it was ended early. */
export function windowEnd(w: MaintenanceWindow): number {
  return w.endedAt > 0 ? Math.min(w.endedAt, w.until) : w.until;
}

/** Puts the windows into the state's per-place arrays (evaluation compares them with its time). */
export function applyMaintenance(
  model: CoverageModel,
  state: FleetState,
  windows: readonly MaintenanceWindow[],
): void {
  state.resetMaintenance(windows.length);
  for (const w of windows) {
    const end = windowEnd(w);
    const c = model.communes.findIndex((x) => x.province === w.province && x.id === w.commune);
    if (c < 0) continue;
    const set = (arr: Float64Array, i: number) => {
      if (i >= 0 && end > (arr[i] ?? 0) && w.from <= end) arr[i] = end;
    };
    if (w.scope === 'commune') set(state.communeMaintenanceUntil, c);
    else if (w.scope === 'device') set(state.deviceMaintenanceUntil, model.deviceIndex.get(w.target) ?? -1);
    else {
      for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
        if (model.hamletIds[h] === w.target) set(state.hamletMaintenanceUntil, h);
      }
    }
  }
}

/** A bad `loa maintenance` request: names the flag that is wrong; nothing was changed. */
export class MaintenanceError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MaintenanceError';
  }
}

/**
 * Finds the place of a new window in the inventory. Hamlet ids are unique within their commune only:
 * `commune/hamlet` picks one; a bare hamlet id must be unique. Communes likewise take `province/commune`.
 */
export function resolveTarget(
  inventory: Inventory,
  scope: MaintenanceScope,
  id: string,
): { province: string; commune: string; target: string; name: string } {
  const field = `--${scope}`;
  if (scope === 'device') {
    const device = inventory.device(id);
    if (device === undefined) throw new MaintenanceError(field, `no device "${id}" in the inventory`);
    return { province: device.province, commune: device.commune, target: id, name: device.name ?? id };
  }
  const [outer, inner] = id.includes('/') ? id.split('/', 2) : [undefined, id];
  const matches: { province: string; commune: string; target: string; name: string }[] = [];
  for (const p of inventory.provinces) {
    for (const c of p.communes) {
      if (scope === 'commune') {
        if (c.id === inner && (outer === undefined || outer === p.id))
          matches.push({ province: p.id, commune: c.id, target: c.id, name: c.name });
      } else if (outer === undefined || outer === c.id) {
        for (const h of c.hamlets) {
          if (h.id === inner)
            matches.push({ province: p.id, commune: c.id, target: h.id, name: `${h.name}, ${c.name}` });
        }
      }
    }
  }
  const [match, second] = matches;
  if (match === undefined) throw new MaintenanceError(field, `no ${scope} "${id}" in the inventory`);
  if (second !== undefined) {
    const how = scope === 'hamlet' ? 'commune/hamlet' : 'province/commune';
    throw new MaintenanceError(field, `"${id}" is ambiguous (${matches.length} places): write it as ${how}`);
  }
  return match;
}

/** `2026-06-15 17:30` (the province's local time), an ISO time with its zone, or `+2h` / `+90m` / `+1d`. */
export function parseUntil(text: string, now: number, utcOffsetMs: number): number {
  const relative = /^\+(\d+(?:\.\d+)?)(m|h|d)$/.exec(text.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return now + Number(relative[1]) * unit;
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (local) {
    const [, y, mo, d, h, mi] = local.map(Number) as [number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, mi) - utcOffsetMs;
  }
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(iso)) {
    throw new MaintenanceError(
      '--until',
      `"${text}" is not a time such as "2026-06-15 17:30" (local), "2026-06-15T10:30Z" or "+2h"`,
    );
  }
  return iso;
}

/** Checks a new window; throws a MaintenanceError naming the flag, so nothing is written. */
export function newWindow(
  inventory: Inventory,
  request: { scope: MaintenanceScope; id: string; until: string; reason: string },
  now: number,
  utcOffsetOf: (province: string) => number,
): MaintenanceWindow {
  const place = resolveTarget(inventory, request.scope, request.id);
  const until = parseUntil(request.until, now, utcOffsetOf(place.province));
  if (until <= now) throw new MaintenanceError('--until', `"${request.until}" is in the past`);
  if (until - now > 366 * 86_400_000)
    throw new MaintenanceError('--until', `"${request.until}" is more than a year away`);
  const reason = request.reason.trim();
  if (reason === '') throw new MaintenanceError('--reason', 'say why (it is shown with the window)');
  if (reason.length > 500) throw new MaintenanceError('--reason', 'at most 500 characters');
  return {
    id: `mw-${now.toString(36)}`,
    scope: request.scope,
    province: place.province,
    commune: place.commune,
    target: place.target,
    from: now,
    until,
    reason,
    endedAt: 0,
  };
}

/** One `maintenance` point; ending a window rewrites the same point (same tags and time). */
export function maintenanceLine(w: MaintenanceWindow): string {
  return MAINTENANCE.line(
    { province: w.province, commune: w.commune, scope: w.scope },
    {
      id: w.id,
      target: w.target,
      until: Math.round(w.until),
      ended: Math.round(w.endedAt),
      reason: w.reason,
    },
    msToNs(w.from),
  );
}

/** Every window created in the last year (few: a province has dozens, not thousands). */
export async function readMaintenance(
  ql: InfluxQl,
  { retentionPolicy = 'long', now = Date.now() } = {},
): Promise<MaintenanceWindow[]> {
  const { name, field: f, tag: t } = MAINTENANCE;
  const series = await ql.query(
    `SELECT "${f.id}", "${f.target}", "${f.until}", "${f.ended}", "${f.reason}" FROM "${retentionPolicy}"."${name}" WHERE time > ${now - 366 * 86_400_000}ms GROUP BY "${t.province}", "${t.commune}", "${t.scope}"`,
  );
  const out: MaintenanceWindow[] = [];
  for (const s of series) {
    for (const [time, id, target, until, ended, reason] of s.values) {
      out.push({
        id: String(id),
        scope: (s.tags?.scope ?? 'device') as MaintenanceScope,
        province: s.tags?.province ?? '',
        commune: s.tags?.commune ?? '',
        target: String(target),
        from: Number(time),
        until: Number(until),
        reason: String(reason ?? ''),
        endedAt: Number(ended ?? 0),
      });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/** The window with this id, for `loa maintenance end`. */
export async function findMaintenance(ql: InfluxQl, id: string): Promise<MaintenanceWindow | undefined> {
  return (await readMaintenance(ql)).find((w) => w.id === id);
}
