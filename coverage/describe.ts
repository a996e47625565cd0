import type { Evaluation } from './evaluate.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/** Local time of a province for messages: `2026-11-25 05:12`. */
export function localTime(ms: number, utcOffsetMs: number): string {
  if (ms <= 0) return 'never';
  return new Date(ms + utcOffsetMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** Why a monitored device is down, in plain words. */
export function downReason(
  m: CoverageModel,
  s: FleetState,
  ev: Evaluation,
  d: number,
  offset: number,
): string {
  const device = m.devices[d];
  if (device === undefined) return '';
  if (!device.monitored) return `${device.device} (${device.link}, cannot report)`;
  if (ev.deviceUp[d] === 1) return `${device.device} (${device.link}, up)`;
  const hb = s.lastHeartbeat[d] ?? 0;
  if (hb === 0) return `${device.device} (${device.link}, never reported)`;
  const since = ev.deviceDownSince[d] ?? 0;
  const causes: string[] = [];
  if ((s.ampFaultSince[d] ?? 0) !== 0) causes.push('amplifier fault');
  if ((s.relayTrippedSince[d] ?? 0) !== 0) causes.push('protective relay tripped');
  if ((s.deathAt[d] ?? 0) > hb) causes.push('disconnected');
  if (causes.length === 0) causes.push(`no heartbeat since ${localTime(hb, offset)}`);
  return `${device.device} (${device.link}, down since ${localTime(since, offset)}: ${causes.join(', ')})`;
}
