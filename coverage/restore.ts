import { quoteString, type InfluxQl, type InfluxValue, type Series } from '../influx/index.js';
import { ALERT, BROADCAST, EVENT, HEARTBEAT, PRESENCE } from '../protocol/index.js';
import { ALERT_KINDS, type Alert, type AlertKind } from './alert.js';
import type { CoverageEngine } from './engine.js';
import { DAY_MS } from './model.js';

export interface RestoreOptions {
  /** How far back device state is read: the raw retention (30 days by default). */
  lookbackMs?: number;
  /** The retention policy holding `alert` points. */
  alertRetentionPolicy?: string;
  now?: () => number;
}

/**
 * Rebuilds the engine's state from InfluxDB at start-up (docs/coverage.md), so that a restart neither forgets
 * an outage nor announces it again: per device its newest heartbeat, birth, death and
 * power/amplifier/relay events; per hamlet the days with completed broadcasts; today's broadcasts for
 * the schedule windows; the week's emergency bulletins; and the alerts that were firing.
 */
export function restoreFromInflux(ql: InfluxQl, options: RestoreOptions = {}) {
  return async (engine: CoverageEngine): Promise<void> => {
    const now = (options.now ?? Date.now)();
    const since = `time > ${Math.round(now - (options.lookbackMs ?? 30 * DAY_MS))}ms`;
    const { model, state } = engine;
    const index = (series: Series): number | undefined => model.deviceIndex.get(series.tags?.device ?? '');
    const rows = (series: Series): Row[] =>
      series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i] ?? null])));

    // Every update is applied in time order, as the live stream would have.
    const updates: { at: number; apply: () => void }[] = [];
    const [H, P, E, B] = [HEARTBEAT, PRESENCE, EVENT, BROADCAST];
    for (const s of await ql.query(
      `SELECT "${H.field.amp}", "${H.field.power}", "${H.field.relay}" FROM "${H.name}" WHERE ${since} GROUP BY "${H.tag.device}" ORDER BY time DESC LIMIT 1`,
    )) {
      const d = index(s);
      for (const r of rows(s)) {
        if (d === undefined) continue;
        const at = num(r.time);
        const relay = r[H.field.relay] === null ? undefined : r[H.field.relay] === 'tripped';
        updates.push({
          at,
          apply: () => {
            state.heartbeat(d, at, r[H.field.amp] === 'fault', r[H.field.power] !== 'mains', relay);
            // Receipt times are not stored: the newest heartbeat's time stands for when it was heard.
            state.heard(d, at);
          },
        });
      }
    }
    for (const online of [true, false]) {
      for (const s of await ql.query(
        `SELECT "${P.field.session}", "${P.field.reason}" FROM "${P.name}" WHERE ${since} AND "${P.field.online}" = ${online} GROUP BY "${P.tag.device}" ORDER BY time DESC LIMIT 1`,
      )) {
        const d = index(s);
        for (const r of rows(s)) {
          if (d === undefined) continue;
          const at = num(r.time);
          updates.push({
            at,
            apply: () => {
              state.presence(d, online, num(r[P.field.session]), at, r[P.field.reason] === 'shutdown');
            },
          });
        }
      }
    }
    const types = [
      'power_lost',
      'power_restored',
      'amp_fault',
      'amp_restored',
      'relay_tripped',
      'relay_restored',
    ] as const;
    for (const s of await ql.query(
      `SELECT "${E.field.count}" FROM "${E.name}" WHERE ${since} AND (${types.map((t) => `"${E.tag.type}" = '${t}'`).join(' OR ')}) GROUP BY "${E.tag.device}", "${E.tag.type}" ORDER BY time DESC LIMIT 1`,
    )) {
      const d = index(s);
      const type = s.tags?.[E.tag.type] as (typeof types)[number] | undefined;
      for (const r of rows(s)) {
        if (d === undefined || type === undefined) continue;
        const at = num(r.time);
        updates.push({
          at,
          apply: () => {
            state.event(d, type, at);
          },
        });
      }
    }
    updates.sort((a, b) => a.at - b.at);
    for (const u of updates) u.apply();

    // Regularity: completed broadcasts per device and local day, over the days the engine keeps.
    for (const province of model.provinces) {
      const offsetMin = Math.round((((-province.utcOffsetMs % DAY_MS) + DAY_MS) % DAY_MS) / 60_000);
      const from = Math.round(now - state.historyDays * DAY_MS - DAY_MS);
      for (const s of await ql.query(
        `SELECT count("${B.field.duration_s}") FROM "${B.name}" WHERE time > ${from}ms AND "${B.tag.province}" = ${quoteString(province.id)} AND "${B.tag.status}" = 'completed' GROUP BY time(1d, ${offsetMin}m), "${B.tag.device}"`,
      )) {
        const d = index(s);
        for (const r of rows(s)) {
          if (d !== undefined && num(r.count) > 0) state.markBroadcastDay(d, num(r.time));
        }
      }
    }
    // Today's logs for the schedule windows, and the week's emergency bulletins.
    for (const s of await ql.query(
      `SELECT "${B.field.end}", "${B.tag.priority}", "${B.field.bulletin}" FROM "${B.name}" WHERE time > ${Math.round(now - 7 * DAY_MS)}ms AND (time > ${Math.round(now - DAY_MS)}ms OR "${B.tag.priority}" = 'emergency') GROUP BY "${B.tag.device}"`,
    )) {
      const deviceId = s.tags?.[B.tag.device] ?? '';
      const d = index(s);
      for (const r of rows(s)) {
        if (d === undefined) continue;
        const start = num(r.time);
        const end = num(r[B.field.end]) || start;
        if (now - start < DAY_MS) state.broadcast(d, start, end, false);
        const bulletin = r[B.field.bulletin];
        if (r[B.tag.priority] === 'emergency' && typeof bulletin === 'string')
          engine.noteBulletin(deviceId, bulletin, end);
      }
    }

    const first = await ql.query(`SELECT first("${H.field.uptime_s}") FROM "${H.name}" WHERE ${since}`);
    const firstAt = first[0]?.values[0]?.[0];
    if (typeof firstAt === 'number') engine.setHistoryStart(firstAt);

    const rp = options.alertRetentionPolicy ?? 'long';
    const latest = new Map<string, Alert>();
    for (const s of await ql.query(
      `SELECT * FROM "${rp}"."${ALERT.name}" WHERE ${since} ORDER BY time ASC`,
    )) {
      for (const r of rows(s)) {
        const alert = alertFromRow(r);
        if (alert) latest.set(alert.id, alert);
      }
    }
    const back = await backSince(ql, [...latest.values()], now);
    for (const alert of latest.values()) {
      if (alert.state === 'firing') engine.restoreAlert(alert, back.get(alert.id));
    }
  };
}

/**
 * For each firing `device_offline` alert, when its device came back for good before the restart (it
 * connected after the outage began and has not dropped since), from its `state` messages: its resolve
 * delay then counts from there. A restart in the minutes after a link came back used to start that
 * delay again, so outages ending a few minutes before each restart were resolved late or not at all.
 */
async function backSince(ql: InfluxQl, alerts: readonly Alert[], now: number): Promise<Map<string, number>> {
  const offline = alerts.filter(
    (a) => a.state === 'firing' && a.kind === 'device_offline' && a.where.device !== undefined,
  );
  const back = new Map<string, number>();
  if (offline.length === 0) return back;
  const from = Math.min(...offline.map((a) => a.since));
  const devices = offline.map((a) => `device = ${quoteString(a.where.device ?? '')}`).join(' OR ');
  const presence = new Map<string, Series>();
  for (const s of await ql.query(
    `SELECT online FROM presence WHERE time >= ${Math.round(from)}ms AND time <= ${Math.round(now)}ms AND (${devices}) GROUP BY device ORDER BY time ASC`,
  )) {
    presence.set(s.tags?.device ?? '', s);
  }
  for (const alert of offline) {
    let since: number | undefined;
    for (const [time, online] of presence.get(alert.where.device ?? '')?.values ?? []) {
      if (num(time) < alert.since) continue;
      if (online === true) since ??= num(time);
      else since = undefined;
    }
    if (since !== undefined) back.set(alert.id, since);
  }
  return back;
}

type Row = Record<string, InfluxValue>;

function num(v: InfluxValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function alertFromRow(r: Row): Alert | undefined {
  const kind = r.kind as AlertKind;
  if (typeof r.id !== 'string' || !(ALERT_KINDS as readonly string[]).includes(kind)) return undefined;
  const device = typeof r.device === 'string' && r.device !== '' ? r.device : undefined;
  const hamlet = typeof r.hamlet === 'string' && r.hamlet !== '' ? r.hamlet : undefined;
  return {
    id: r.id,
    kind,
    state: r.state === 'firing' ? 'firing' : 'resolved',
    severity: r.severity === 'critical' ? 'critical' : r.severity === 'info' ? 'info' : 'warning',
    where: {
      province: String(r.province ?? ''),
      commune: String(r.commune ?? ''),
      ...(hamlet !== undefined && { hamlet }),
      ...(device !== undefined && !device.includes(',') && { device }),
    },
    message: String(r.message ?? ''),
    since: num(r.since),
    ts: num(r.time),
    ...(device !== undefined && { devices: device.split(',') }),
  };
}
